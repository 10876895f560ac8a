;; The text index's word pass (text-index.ts), compiled to WebAssembly: one loop over
;; the text as little-endian 32-bit words doing what the JS trigramNeedleLoop and
;; classLoop did in two (index-loops.ts keeps them, as the reference and the fallback).
;; Regenerate the embedded bytes (index-pass-wasm.ts) with:
;;   npx -y -p wabt@1.0.39 wat2wasm src/inspect/dlp/wasm/index-pass.wat -o /tmp/index-pass.wasm && base64 -w0 /tmp/index-pass.wasm
;;
;; Memory layout (byte offsets; the JS side, index-pass.ts, uses the same):
;;   0x000000 PAIR      u16[65536]  classes of a 16-bit half (keyword-index.ts PAIR + P_ANCHOR)
;;   0x020000 TRI       u8[65536]   trigram anchor filter
;;   0x030000 NEEDLE    u32[8192]   needle 4-gram filter (bits)
;;   0x038000 LATE      u8[256]     text-index.ts GROUP_LATE
;;   0x038100 COUNTS    i32[7]      per call: tri, needle, bigram, digit, run (ints), group, seed
;;   0x040000 TEXT      the block's words, plus the word after it (BLOCK_WORDS + 8 words)
;;   0x061000 OUT_TRI   0x082000 OUT_NEEDLE  0x0a3000 OUT_BI  0x0c4000 OUT_DIG
;;   0x0e5000 OUT_RUN ([end word, streak, classes] triples)  0x106000 OUT_GRP
;; Each output region holds 0x21000 bytes: more than BLOCK_WORDS (32768) entries.
;;   0x127000 GSYM      u8[256]     word-runs.ts GSYM (the seed-phrase probe's alphabet)
;;   0x127100 GRAMS     u32[3281]   word-runs.ts GRAMS (its 4-gram bits)
;;   0x12b000 OUT_SEED  seed-phrase probes that pass (one word in ten at most: 0x3400 bytes)
(module
  (memory (export "mem") 19)
  (global $streak (mut i32) (i32.const 0))
  (global $classes (mut i32) (i32.const 0))
  (global $ud (mut i32) (i32.const 0))
  (global $sh (mut i32) (i32.const 0))

  ;; Start a new text: the loop-carried state goes back to zero.
  (func (export "reset")
    (global.set $streak (i32.const 0))
    (global.set $classes (i32.const 0))
    (global.set $ud (i32.const 0))
    (global.set $sh (i32.const 0)))

  ;; Words 0..nw-1 of TEXT (nw >= 1: the text's words j0..j0+nw-1; word nw is the next one).
  ;; Candidates go out as absolute word indexes; counts to COUNTS.
  (func (export "pass") (param $j0 i32) (param $nw i32) (param $needles i32)
    (local $p i32) (local $end i32) (local $j i32)
    (local $w i32) (local $f i32) (local $h i32)
    (local $x i32) (local $y i32) (local $xy i32) (local $o i32) (local $full i32) (local $keep i32)
    (local $kt i32) (local $kn i32) (local $kb i32) (local $kd i32) (local $kr i32) (local $kg i32)
    (local $streak i32) (local $classes i32) (local $ud i32) (local $sh i32) 
    (local.set $streak (global.get $streak))
    (local.set $classes (global.get $classes))
    (local.set $ud (global.get $ud))
    (local.set $sh (global.get $sh))
    (local.set $p (i32.const 0x40000))
    (local.set $end (i32.add (i32.const 0x40000) (i32.shl (local.get $nw) (i32.const 2))))
    (local.set $j (local.get $j0))
    (loop $next
      (local.set $w (i32.load (local.get $p)))
      ;; trigram anchors at 4j and 4j+2 (case-folded), as trigramLoop
      (local.set $f (i32.or (local.get $w) (i32.const 0x20202020)))
      (if (i32.or
            (i32.load8_u offset=0x20000
              (i32.shr_u (i32.mul (i32.and (local.get $f) (i32.const 0xffffff)) (i32.const 0x9e3779b1)) (i32.const 16)))
            (i32.load8_u offset=0x20000
              (i32.shr_u
                (i32.mul
                  (i32.and
                    (i32.or (i32.or (i32.shr_u (local.get $f) (i32.const 16)) (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 16)))
                            (i32.const 0x200000))
                    (i32.const 0xffffff))
                  (i32.const 0x9e3779b1))
                (i32.const 16))))
        (then
          (i32.store offset=0x61000 (i32.shl (local.get $kt) (i32.const 2)) (local.get $j))
          (local.set $kt (i32.add (local.get $kt) (i32.const 1)))))
      ;; needle 4-gram filter (exact word)
      (if (local.get $needles)
        (then
          (local.set $h (i32.shr_u (i32.mul (local.get $w) (i32.const 0x9e3779b1)) (i32.const 14)))
          (if (i32.and
                (i32.shr_u (i32.load offset=0x30000 (i32.shl (i32.shr_u (local.get $h) (i32.const 5)) (i32.const 2)))
                           (i32.and (local.get $h) (i32.const 31)))
                (i32.const 1))
            (then
              (i32.store offset=0x82000 (i32.shl (local.get $kn) (i32.const 2)) (local.get $j))
              (local.set $kn (i32.add (local.get $kn) (i32.const 1)))))))
      ;; classes of both halves, as classLoop
      (local.set $x (i32.load16_u (i32.shl (i32.and (local.get $w) (i32.const 0xffff)) (i32.const 1))))
      (local.set $y (i32.load16_u (i32.shl (i32.shr_u (local.get $w) (i32.const 16)) (i32.const 1))))
      (local.set $xy (i32.and (local.get $x) (local.get $y)))
      (local.set $o (i32.or (local.get $x) (local.get $y)))
      (local.set $full (i32.and (i32.shr_u (local.get $xy) (i32.const 8)) (i32.const 1)))
      (if (i32.and (i32.ge_s (local.get $streak) (i32.const 3)) (i32.eqz (local.get $full)))
        (then
          (i32.store offset=0xe5000 (i32.shl (local.get $kr) (i32.const 2)) (local.get $j))
          (i32.store offset=0xe5004 (i32.shl (local.get $kr) (i32.const 2)) (local.get $streak))
          (i32.store offset=0xe5008 (i32.shl (local.get $kr) (i32.const 2)) (local.get $classes))
          (local.set $kr (i32.add (local.get $kr) (i32.const 3)))))
      (local.set $keep (i32.sub (i32.const 0) (local.get $full)))
      (local.set $streak (i32.and (i32.add (local.get $streak) (i32.const 1)) (local.get $keep)))
      (local.set $classes (i32.and (i32.or (local.get $classes) (local.get $o)) (local.get $keep)))
      ;; bigram anchor (P_ANCHOR 1024), digit word (P_DIGIT2 512): stored always, counted when set
      (i32.store offset=0xa3000 (i32.shl (local.get $kb) (i32.const 2)) (local.get $j))
      (local.set $kb (i32.add (local.get $kb) (i32.and (i32.shr_u (local.get $o) (i32.const 10)) (i32.const 1))))
      (i32.store offset=0xc4000 (i32.shl (local.get $kd) (i32.const 2)) (local.get $j))
      (local.set $kd (i32.add (local.get $kd) (i32.and (i32.shr_u (local.get $xy) (i32.const 9)) (i32.const 1))))
      ;; group probe: upper-or-digit (P_UPPER_DIGIT 32768) of j-4..j, separator bits of j-2..j
      (local.set $ud (i32.and (i32.or (i32.shl (local.get $ud) (i32.const 1)) (i32.shr_u (local.get $o) (i32.const 15))) (i32.const 31)))
      (local.set $sh
        (i32.and
          (i32.or (i32.shl (local.get $sh) (i32.const 3))
                  (i32.shr_u (i32.or (i32.and (local.get $o) (i32.const 0x3000)) (i32.and (local.get $xy) (i32.const 0x4000))) (i32.const 12)))
          (i32.const 0x1ff)))
      (i32.store offset=0x106000 (i32.shl (local.get $kg) (i32.const 2)) (i32.sub (local.get $j) (i32.const 2)))
      (local.set $kg (i32.add (local.get $kg)
        (i32.load8_u offset=0x38000 (i32.or (i32.shl (i32.shr_u (local.get $sh) (i32.const 6)) (i32.const 5)) (local.get $ud)))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $next (i32.lt_u (local.get $p) (local.get $end))))
    (global.set $streak (local.get $streak))
    (global.set $classes (local.get $classes))
    (global.set $ud (local.get $ud))
    (global.set $sh (local.get $sh))
    (i32.store offset=0x38100 (i32.const 0) (local.get $kt))
    (i32.store offset=0x38104 (i32.const 0) (local.get $kn))
    (i32.store offset=0x38108 (i32.const 0) (local.get $kb))
    (i32.store offset=0x3810c (i32.const 0) (local.get $kd))
    (i32.store offset=0x38110 (i32.const 0) (local.get $kr))
    (i32.store offset=0x38114 (i32.const 0) (local.get $kg)))

  ;; The seed-phrase probe (word-runs.ts seedProbes) over the block's words from absolute word
  ;; $from (a multiple of 10, plus 9) below $j0 + $nw, every 10th with the word after it: the
  ;; probes that pass go to OUT_SEED, their count to COUNTS[6]. Run after the pass, while the
  ;; block is still in cache (in the pass, the probe's branch cost every word more than this).
  (func (export "seeds") (param $j0 i32) (param $nw i32) (param $from i32)
    (local $p i32) (local $end i32) (local $j i32) (local $ks i32) (local $g i32) (local $key i32)
    (local.set $j (local.get $from))
    (local.set $p (i32.add (i32.const 0x40000) (i32.shl (i32.sub (local.get $from) (local.get $j0)) (i32.const 2))))
    (local.set $end (i32.add (i32.const 0x40000) (i32.shl (local.get $nw) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (if (i32.and
                (i32.and
                  (i32.shr_u
                    (i32.load offset=0x127100 (i32.shl (i32.shr_u (local.tee $key
                      (i32.add
                        (i32.mul
                          (i32.add
                            (i32.mul
                              (i32.add
                                (i32.mul (i32.load8_u offset=0x127000 (i32.and (local.tee $g (i32.load (local.get $p))) (i32.const 255))) (i32.const 18))
                                (i32.load8_u offset=0x127000 (i32.and (i32.shr_u (local.get $g) (i32.const 8)) (i32.const 255))))
                              (i32.const 18))
                            (i32.load8_u offset=0x127000 (i32.and (i32.shr_u (local.get $g) (i32.const 16)) (i32.const 255))))
                          (i32.const 18))
                        (i32.load8_u offset=0x127000 (i32.shr_u (local.get $g) (i32.const 24))))) (i32.const 5)) (i32.const 2)))
                    (local.get $key))
                  (i32.const 1))
                (i32.and
                  (i32.shr_u
                    (i32.load offset=0x127100 (i32.shl (i32.shr_u (local.tee $key
                      (i32.add
                        (i32.mul
                          (i32.add
                            (i32.mul
                              (i32.add
                                (i32.mul (i32.load8_u offset=0x127000 (i32.and (local.tee $g (i32.load offset=4 (local.get $p))) (i32.const 255))) (i32.const 18))
                                (i32.load8_u offset=0x127000 (i32.and (i32.shr_u (local.get $g) (i32.const 8)) (i32.const 255))))
                              (i32.const 18))
                            (i32.load8_u offset=0x127000 (i32.and (i32.shr_u (local.get $g) (i32.const 16)) (i32.const 255))))
                          (i32.const 18))
                        (i32.load8_u offset=0x127000 (i32.shr_u (local.get $g) (i32.const 24))))) (i32.const 5)) (i32.const 2)))
                    (local.get $key))
                  (i32.const 1)))
          (then
            (i32.store offset=0x12b000 (i32.shl (local.get $ks) (i32.const 2)) (local.get $j))
            (local.set $ks (i32.add (local.get $ks) (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 10)))
        (local.set $p (i32.add (local.get $p) (i32.const 40)))
        (br $next)))
    (i32.store offset=0x38118 (i32.const 0) (local.get $ks)))
)
