;; The text index's word pass (text-index.ts), compiled to WebAssembly: one loop over
;; the text 16 bytes (four little-endian 32-bit words) at a time, doing what index-loops.ts's
;; trigramLoop, needleLoop and classLoop do (they stay, as the reference and the fallback).
;; The byte classes come from SIMD compares (v128), four words' worth of each class as a
;; 4-bit mask, and the loop-carried logic of the JS loop (run streaks, the group probe's
;; five-word window) is bit arithmetic on the last 32 words' masks; candidates are written
;; branch-free, four lanes at a time through a compress shuffle (COMPRESS).
;; Regenerate the embedded bytes (index-pass-wasm.ts) with:
;;   npx -y -p wabt@1.0.39 wat2wasm src/inspect/dlp/wasm/index-pass.wat -o /tmp/index-pass.wasm && base64 -w0 /tmp/index-pass.wasm
;;
;; Memory layout (byte offsets; the JS side, index-pass.ts, uses the same):
;;   0x000000 PAIR      u16[65536]  classes of a 16-bit half (keyword-index.ts PAIR + P_ANCHOR)
;;   0x020000 TRI       u8[65536]   trigram anchor filter
;;   0x030000 NEEDLE    u32[8192]   needle 4-gram filter (bits)
;;   0x038100 COUNTS    i32[11]     per call: tri, needle, bigram, digit, run (ints), group, seed, zero-x; runs' pieces (ints);
;;                                  per text: whether an `=` stands right before a CR or LF (a quoted-printable soft break may be there),
;;                                  whether an ASCII control other than NUL (the padding after the text), a tab or a line break is in it
;;   0x038200 COMPRESS  u8[16][16]  per 4-bit mask: the swizzle that packs the lanes it has to the front
;;   0x038300 TEDDY     u8[4][16]   bigram anchor buckets (a bit each) by nibble: first byte low/high, second low/high
;;   0x038400 GAPSEP    u8[256]     regrouped.ts GAP_SEP; 0x038500 BODY u8[256] its BODY; 0x038600 HEXD u8[256] its HEX
;;   0x038700 CLS       u8[256]     keyword-index.ts CLS; then run-kinds.ts HEXV (0x038800), HEX_HI_PRINTABLE (HEXHI,
;;                                  0x038900), B64_GROUP (B64G, 0x038a00), B64V (0x038b00), u8[256] each
;;   0x038c00 DIGSEP    u8[256]     text-index.ts DIGIT_OR_SEP
;;   0x040000 TEXT      the block's words, plus the word after it (BLOCK_WORDS + 8 words)
;;   0x061000 OUT_TRI   0x082000 OUT_NEEDLE  0x0a3000 OUT_BI  0x0c4000 OUT_DIG
;;   0x0e5000 OUT_RUN ([end word, streak, classes] triples)  0x106000 OUT_GRP
;; Each output region holds 0x21000 bytes: more than BLOCK_WORDS (32768) entries, plus the
;; three lanes past its count that a four-lane store writes.
;;   0x127000 GSYM      u8[256]     word-runs.ts GSYM (the seed-phrase probe's alphabet)
;;   0x127100 GRAMS     u32[3281]   word-runs.ts GRAMS (its 4-gram bits)
;;   0x12b000 OUT_SEED  seed-phrase probes that pass (one word in ten at most: 0x3400 bytes)
;;   0x130000 OUT_GAPS  gapStarts' starts (32768 at most: 0x20000 bytes)
;;   0x150000 TRIBITS   u64[1024]   the trigram hashes that have a bucket (triAt[h + 1] > triAt[h]), a bit each;
;;   0x152000 TRIRANK   u16[1024]   per 64 hashes, the buckets before them; 0x153000 BSTART i32[5462] the r-th
;;                                  bucket's first entry (its end: the next one's first): triAt in 10 KB, not 256
;;   0x159000 WSYM      u8[256]     word-runs.ts SYM; 0x159100 WLEN u8[2048] its WORD_LEN; 0x15a000 WTAIL u8[2048][8] its WORD_TAIL
;;   0x15e000 WSLOT     i32[4096]   word-runs.ts WORD_SLOTS (its slots: key + 1 | wordlist index << 20)
;;   0x162000 WBLOOM    u32[1024]   per bit, whether a wordlist word's key (first four symbols) and length hash to it (15 bits)
;;   0x163000 OUT_WRUNS seed-phrase runs: [count, then start, end, index a word] (47104 ints at most)
;;   0x191000 TRIENT    [key, keyword, offset] i32 triples: triKey, triKw, triOff (5461 at most)
;;   0x1a1000 KWAT      [first byte, length] i32 pairs per keyword (4096 at most); 0x1a9000 KWBYTES their bytes (32 KB)
;;   0x1b1000 OUT_HITS  [keyword, start] pairs of verified trigram anchors (16383 at most)
;;   0x1d1000 OUT_ZX    steps (their first word) holding a `0x` / `0X` (8192 a block at most: 0x21000 bytes)
;;   0x1f2000 OUT_RUNS  runs' [start, end] (8193 at most)  0x203000 OUT_KINDS their kinds
;;   0x20c000 OUT_PIECES alnum pieces' [start, end, hex] (65533 ints at most)
;;   0x24c000 OUT_DIGITS digit stretches' [start, end] (32766 ints at most)
;;   0x26c000 TRISCR    trihits' [position, key, bucket rank] triples of one batch (1024 at most)
(module
  (memory (export "mem") 39)
  ;; per text, carried from call to call: the last 32 words' bits (bit 31 the latest) of
  ;; whole-run words, upper-case-or-digit, group separator, pair separator, hex-or-separator;
  ;; the last word that was not whole-run; the classes of a streak open at the last call's end
  (global $hf (mut i32) (i32.const 0))
  (global $hu (mut i32) (i32.const 0))
  (global $hg (mut i32) (i32.const 0))
  (global $hp (mut i32) (i32.const 0))
  (global $hh (mut i32) (i32.const 0))
  (global $zero (mut i32) (i32.const -1))
  (global $carry (mut i32) (i32.const 0))
  ;; ints written to OUT_WRUNS by the running wruns (-1: they did not fit)
  (global $wk (mut i32) (i32.const 0))
  ;; per text: an `=` right before a CR or LF was seen (0xff in some lane)
  (global $eq (mut v128) (v128.const i32x4 0 0 0 0))
  ;; per text: a look-alike's lead byte next to a token's ASCII (the lookalikes function)
  (global $look (mut i32) (i32.const 0))
  ;; per text: an ASCII control other than NUL, a tab or a line break was seen (0xff in some lane)
  (global $ctl (mut v128) (v128.const i32x4 0 0 0 0))

  ;; Start a new text: the loop-carried state goes back to zero.
  (func (export "reset")
    (global.set $hf (i32.const 0))
    (global.set $hu (i32.const 0))
    (global.set $hg (i32.const 0))
    (global.set $hp (i32.const 0))
    (global.set $hh (i32.const 0))
    (global.set $zero (i32.const -1))
    (global.set $carry (i32.const 0))
    (global.set $eq (v128.const i32x4 0 0 0 0))
    (global.set $ctl (v128.const i32x4 0 0 0 0))
    (global.set $look (i32.const 0)))

  ;; Words 0..nw-1 of TEXT (nw >= 1: the text's words j0..j0+nw-1; word nw is the next one;
  ;; needles: 0 none, 1 the needle filter at every word, 2 at even words, 4 at a step's first word: KeywordIndex.needleStride),
  ;; 16 bytes (four words) at a time. Candidates go out as absolute word indexes; counts to
  ;; COUNTS. Calls for one text follow each other with nw a multiple of 4 but for the last.
  (func (export "pass") (param $j0 i32) (param $nw i32) (param $needles i32)
    (local $p i32) (local $end i32) (local $j i32) (local $i i32) (local $vm i32)
    (local $v v128) (local $fv v128) (local $h0 v128) (local $h2 v128) (local $hn v128) (local $jv v128)
    (local $up v128) (local $dg v128) (local $dash v128) (local $sp v128) (local $gs v128) (local $ps v128) (local $x v128)
    (local $t1lo v128) (local $t1hi v128) (local $t2lo v128) (local $t2hi v128)
    (local $t4 i32) (local $n4 i32) (local $f4 i32) (local $d4 i32) (local $a4 i32) (local $e4 i32) (local $k4 i32) (local $w i32)
    (local $hf i32) (local $hu i32) (local $hg i32) (local $hp i32) (local $hh i32) (local $zero i32) (local $s i32)
    (local $kt i32) (local $kn i32) (local $kb i32) (local $kd i32) (local $kr i32) (local $kg i32) (local $kz i32)
    (local $v1 v128) (local $eq v128) (local $ctl v128) (local $vmask v128)
    (local.set $hf (global.get $hf))
    (local.set $hu (global.get $hu))
    (local.set $hg (global.get $hg))
    (local.set $hp (global.get $hp))
    (local.set $hh (global.get $hh))
    (local.set $zero (global.get $zero))
    (local.set $eq (global.get $eq))
    (local.set $ctl (global.get $ctl))
    (local.set $vmask (v128.const i32x4 -1 -1 -1 -1))
    (local.set $t1lo (v128.load (i32.const 0x38300)))
    (local.set $t1hi (v128.load (i32.const 0x38310)))
    (local.set $t2lo (v128.load (i32.const 0x38320)))
    (local.set $t2hi (v128.load (i32.const 0x38330)))
    (local.set $p (i32.const 0x40000))
    (local.set $end (i32.add (i32.const 0x40000) (i32.shl (local.get $nw) (i32.const 2))))
    (local.set $j (local.get $j0))
    (local.set $jv (i32x4.add (i32x4.splat (local.get $j0)) (v128.const i32x4 0 1 2 3)))
    (loop $next
      ;; the block's valid words: all four but in a last partial block
      (local.set $vm (i32.const 15))
      (if (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 16))
        (then
          (local.set $vm (i32.sub (i32.shl (i32.const 1) (i32.shr_u (i32.sub (local.get $end) (local.get $p)) (i32.const 2))) (i32.const 1)))
          ;; the valid words' lanes (for the `=` test: the bytes after the padding may be a stale text's)
          (local.set $vmask (i32x4.ne (v128.and (i32x4.splat (local.get $vm)) (v128.const i32x4 1 2 4 8)) (v128.const i32x4 0 0 0 0)))))
      (local.set $v (v128.load (local.get $p)))
      (local.set $fv (v128.or (local.get $v) (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
      ;; trigram anchors at 4j and 4j+2 (case-folded): filter bytes are 0 or 1
      (local.set $h0 (i32x4.shr_u
        (i32x4.mul (v128.and (local.get $fv) (v128.const i32x4 0xffffff 0xffffff 0xffffff 0xffffff))
                   (v128.const i32x4 0x9e3779b1 0x9e3779b1 0x9e3779b1 0x9e3779b1)) (i32.const 16)))
      (local.set $h2 (i32x4.shr_u
        (i32x4.mul (v128.and (v128.or (v128.load offset=2 (local.get $p)) (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020))
                             (v128.const i32x4 0xffffff 0xffffff 0xffffff 0xffffff))
                   (v128.const i32x4 0x9e3779b1 0x9e3779b1 0x9e3779b1 0x9e3779b1)) (i32.const 16)))
      (local.set $t4
        (i32.and (local.get $vm)
          (i32.or
            (i32.or
              (i32.or (i32.load8_u offset=0x20000 (i32x4.extract_lane 0 (local.get $h0)))
                      (i32.load8_u offset=0x20000 (i32x4.extract_lane 0 (local.get $h2))))
              (i32.shl (i32.or (i32.load8_u offset=0x20000 (i32x4.extract_lane 1 (local.get $h0)))
                               (i32.load8_u offset=0x20000 (i32x4.extract_lane 1 (local.get $h2)))) (i32.const 1)))
            (i32.or
              (i32.shl (i32.or (i32.load8_u offset=0x20000 (i32x4.extract_lane 2 (local.get $h0)))
                               (i32.load8_u offset=0x20000 (i32x4.extract_lane 2 (local.get $h2)))) (i32.const 2))
              (i32.shl (i32.or (i32.load8_u offset=0x20000 (i32x4.extract_lane 3 (local.get $h0)))
                               (i32.load8_u offset=0x20000 (i32x4.extract_lane 3 (local.get $h2)))) (i32.const 3))))))
      (v128.store offset=0x61000 (i32.shl (local.get $kt) (i32.const 2))
        (i8x16.swizzle (local.get $jv) (v128.load offset=0x38200 (i32.shl (local.get $t4) (i32.const 4)))))
      (local.set $kt (i32.add (local.get $kt) (i32.popcnt (local.get $t4))))
      ;; needle 4-gram filter (exact word; a shift count is taken mod 32)
      (if (local.get $needles)
        (then
          ;; needles: 4, the step's first word only (every sampled needle is 19+ chars: each
          ;; occurrence holds a step's first word 0-15 chars in, and the index registered 16 offsets)
          (if (i32.eq (local.get $needles) (i32.const 4))
            (then
              (local.set $w (i32.shr_u (i32.mul (i32x4.extract_lane 0 (local.get $v)) (i32.const 0x9e3779b1)) (i32.const 14)))
              ;; appended branch-free, the count moved on only by a hit (bit 0 of vm: the first word is always valid)
              (i32.store offset=0x82000 (i32.shl (local.get $kn) (i32.const 2)) (local.get $j))
              (local.set $kn (i32.add (local.get $kn)
                (i32.and (i32.shr_u (i32.load offset=0x30000 (i32.shl (i32.shr_u (local.get $w) (i32.const 5)) (i32.const 2))) (local.get $w)) (i32.const 1)))))
            (else
              (local.set $hn (i32x4.shr_u (i32x4.mul (local.get $v) (v128.const i32x4 0x9e3779b1 0x9e3779b1 0x9e3779b1 0x9e3779b1)) (i32.const 14)))
              ;; needles: 1, every word; 2, even words only (every sampled needle is 11+ chars: each
              ;; occurrence holds an even word 0-7 chars in, and the index registered 8 offsets)
              (if (i32.eq (local.get $needles) (i32.const 2))
                (then
                  (local.set $n4
                    (i32.and (local.get $vm)
                      (i32.or (i32.and (i32.shr_u (i32.load offset=0x30000 (i32.shl (i32.shr_u (local.tee $w (i32x4.extract_lane 0 (local.get $hn))) (i32.const 5)) (i32.const 2))) (local.get $w)) (i32.const 1))
                              (i32.shl (i32.and (i32.shr_u (i32.load offset=0x30000 (i32.shl (i32.shr_u (local.tee $w (i32x4.extract_lane 2 (local.get $hn))) (i32.const 5)) (i32.const 2))) (local.get $w)) (i32.const 1)) (i32.const 2))))))
                (else
                  (local.set $n4
                    (i32.and (local.get $vm)
                      (i32.or
                        (i32.or
                          (i32.and (i32.shr_u (i32.load offset=0x30000 (i32.shl (i32.shr_u (local.tee $w (i32x4.extract_lane 0 (local.get $hn))) (i32.const 5)) (i32.const 2))) (local.get $w)) (i32.const 1))
                          (i32.shl (i32.and (i32.shr_u (i32.load offset=0x30000 (i32.shl (i32.shr_u (local.tee $w (i32x4.extract_lane 1 (local.get $hn))) (i32.const 5)) (i32.const 2))) (local.get $w)) (i32.const 1)) (i32.const 1)))
                        (i32.or
                          (i32.shl (i32.and (i32.shr_u (i32.load offset=0x30000 (i32.shl (i32.shr_u (local.tee $w (i32x4.extract_lane 2 (local.get $hn))) (i32.const 5)) (i32.const 2))) (local.get $w)) (i32.const 1)) (i32.const 2))
                          (i32.shl (i32.and (i32.shr_u (i32.load offset=0x30000 (i32.shl (i32.shr_u (local.tee $w (i32x4.extract_lane 3 (local.get $hn))) (i32.const 5)) (i32.const 2))) (local.get $w)) (i32.const 1)) (i32.const 3))))))))
              (v128.store offset=0x82000 (i32.shl (local.get $kn) (i32.const 2))
                (i8x16.swizzle (local.get $jv) (v128.load offset=0x38200 (i32.shl (local.get $n4) (i32.const 4)))))
              (local.set $kn (i32.add (local.get $kn) (i32.popcnt (local.get $n4))))))))
      ;; a `0x` / `0X` prefix (a '0' before an 'x' either case) in the step's 16 bytes: the step's first word
      ;; (rare: a branch), for regrouped.ts regroupStarts instead of its search for every 'x'
      (local.set $v1 (v128.load offset=1 (local.get $p)))
      (if (v128.any_true (v128.and (i8x16.eq (local.get $v) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))
                                   (i8x16.eq (v128.or (local.get $v1) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
                                             (v128.const i8x16 120 120 120 120 120 120 120 120 120 120 120 120 120 120 120 120))))
        (then
          (i32.store offset=0x1d1000 (i32.shl (local.get $kz) (i32.const 2)) (local.get $j))
          (local.set $kz (i32.add (local.get $kz) (i32.const 1)))))
      ;; an `=` right before a CR or LF in the valid words (engine.ts softBreak looks only when the
      ;; text has one; the padding's zeros after the text are none)
      (local.set $eq (v128.or (local.get $eq)
        (v128.and
          (v128.and (local.get $vmask) (i8x16.eq (local.get $v) (v128.const i8x16 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61)))
          (v128.or (i8x16.eq (local.get $v1) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))
                   (i8x16.eq (local.get $v1) (v128.const i8x16 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13))))))
      ;; an ASCII control other than NUL, a tab or a line break in the valid words (engine.ts
      ;; hands the text to foldUnicode for them only when it has one; a NUL it finds itself: the
      ;; last word's bytes past the text are zeros)
      (local.set $ctl (v128.or (local.get $ctl)
        (v128.and (local.get $vmask)
          (v128.or
            (v128.andnot (i8x16.lt_u (local.get $v) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
                         (v128.or (v128.or (i8x16.eq (local.get $v) (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0))
                                           (i8x16.eq (local.get $v) (v128.const i8x16 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9)))
                                  (v128.or (i8x16.eq (local.get $v) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))
                                           (i8x16.eq (local.get $v) (v128.const i8x16 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13)))))
            (i8x16.eq (local.get $v) (v128.const i8x16 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127))))))
      ;; byte classes: a range test is one signed compare after an add ((c - lo) <u k)
      (local.set $up (i8x16.lt_s (i8x16.add (local.get $v) (v128.const i8x16 63 63 63 63 63 63 63 63 63 63 63 63 63 63 63 63))
                                 (v128.const i8x16 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102)))
      (local.set $dg (i8x16.lt_s (i8x16.add (local.get $v) (v128.const i8x16 80 80 80 80 80 80 80 80 80 80 80 80 80 80 80 80))
                                 (v128.const i8x16 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118)))
      (local.set $dash (i8x16.eq (local.get $v) (v128.const i8x16 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45)))
      (local.set $sp (i8x16.eq (local.get $v) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $gs (v128.or (v128.or (local.get $sp) (local.get $dash))
                              (i8x16.eq (local.get $v) (v128.const i8x16 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9))))
      (local.set $ps (v128.or (local.get $gs)
                              (v128.or (i8x16.eq (local.get $v) (v128.const i8x16 58 58 58 58 58 58 58 58 58 58 58 58 58 58 58 58))
                                       (i8x16.eq (local.get $v) (v128.const i8x16 44 44 44 44 44 44 44 44 44 44 44 44 44 44 44 44)))))
      ;; whole-run words: [A-Za-z0-9+/_-] (a lower-case letter: 'a' + k, k < 26; '_', '+', '/')
      (local.set $x
        (v128.or
          (v128.or
            (v128.or (local.get $up) (local.get $dg))
            (v128.or (local.get $dash)
                     (i8x16.lt_s (i8x16.add (local.get $v) (v128.const i8x16 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31))
                                 (v128.const i8x16 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102))))
          (v128.or
            (i8x16.eq (local.get $v) (v128.const i8x16 95 95 95 95 95 95 95 95 95 95 95 95 95 95 95 95))
            (v128.or (i8x16.eq (local.get $v) (v128.const i8x16 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43))
                     (i8x16.eq (local.get $v) (v128.const i8x16 47 47 47 47 47 47 47 47 47 47 47 47 47 47 47 47))))))
      ;; invalid words count as whole-run words (no run end, no last non-run word among them)
      (local.set $f4 (i32.or (i32x4.bitmask (i32x4.eq (local.get $x) (v128.const i32x4 -1 -1 -1 -1)))
                             (i32.xor (local.get $vm) (i32.const 15))))
      ;; digit words: digits, spaces and dashes only
      (local.set $d4 (i32.and (local.get $vm)
        (i32x4.bitmask (i32x4.eq (v128.or (local.get $dg) (v128.or (local.get $sp) (local.get $dash))) (v128.const i32x4 -1 -1 -1 -1)))))
      ;; group probe bits, as histories: upper-or-digit (any byte), group / pair separator (any), hex-or-separator (all)
      (local.set $hu (i32.or (i32.shr_u (local.get $hu) (i32.const 4))
        (i32.shl (i32.xor (i32x4.bitmask (i32x4.eq (v128.or (local.get $up) (local.get $dg)) (v128.const i32x4 0 0 0 0))) (i32.const 15)) (i32.const 28))))
      (local.set $hg (i32.or (i32.shr_u (local.get $hg) (i32.const 4))
        (i32.shl (i32.xor (i32x4.bitmask (i32x4.eq (local.get $gs) (v128.const i32x4 0 0 0 0))) (i32.const 15)) (i32.const 28))))
      (local.set $hp (i32.or (i32.shr_u (local.get $hp) (i32.const 4))
        (i32.shl (i32.xor (i32x4.bitmask (i32x4.eq (local.get $ps) (v128.const i32x4 0 0 0 0))) (i32.const 15)) (i32.const 28))))
      (local.set $hh (i32.or (i32.shr_u (local.get $hh) (i32.const 4))
        (i32.shl (i32x4.bitmask (i32x4.eq
          (v128.or (v128.or (local.get $dg) (local.get $ps))
                   (i8x16.lt_s (i8x16.add (local.get $fv) (v128.const i8x16 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31))
                               (v128.const i8x16 -122 -122 -122 -122 -122 -122 -122 -122 -122 -122 -122 -122 -122 -122 -122 -122)))
          (v128.const i32x4 -1 -1 -1 -1))) (i32.const 28))))
      ;; word k = j - 2 + i may hold a separator between equal tokens: a pair separator among hex
      ;; digits and separators only, or a group separator with an upper-case letter or digit in
      ;; k-2..k and in k..k+2 (history bits 26..29; bit 31 is word j + 3)
      (local.set $k4 (i32.and (local.get $vm) (i32.shr_u
        (i32.or
          (i32.and (local.get $hp) (local.get $hh))
          (i32.and (local.get $hg)
            (i32.and
              (i32.or (local.get $hu) (i32.or (i32.shl (local.get $hu) (i32.const 1)) (i32.shl (local.get $hu) (i32.const 2))))
              (i32.or (local.get $hu) (i32.or (i32.shr_u (local.get $hu) (i32.const 1)) (i32.shr_u (local.get $hu) (i32.const 2)))))))
        (i32.const 26))))
      (v128.store offset=0x106000 (i32.shl (local.get $kg) (i32.const 2))
        (i8x16.swizzle (i32x4.sub (local.get $jv) (v128.const i32x4 2 2 2 2)) (v128.load offset=0x38200 (i32.shl (local.get $k4) (i32.const 4)))))
      (local.set $kg (i32.add (local.get $kg) (i32.popcnt (local.get $k4))))
      ;; bigram anchors: the folded pairs at 4j and 4j+2 by nibble tables (one bit per bucket of
      ;; anchors), each candidate word checked in the pair table (P_ANCHOR 1024)
      (local.set $x (v128.and (local.get $fv) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
      (local.set $h0 (i8x16.shr_u (local.get $fv) (i32.const 4)))
      (local.set $a4 (i32.and (local.get $vm) (i32.xor (i32.const 15) (i32x4.bitmask (i32x4.eq (v128.const i32x4 0 0 0 0)
        (v128.and
          (v128.and (i8x16.swizzle (local.get $t1lo) (local.get $x)) (i8x16.swizzle (local.get $t1hi) (local.get $h0)))
          (i16x8.shr_u (v128.and (i8x16.swizzle (local.get $t2lo) (local.get $x)) (i8x16.swizzle (local.get $t2hi) (local.get $h0))) (i32.const 8))))))))
      (if (local.get $a4)
        (then
          (local.set $i (local.get $a4))
          (loop $cand
            (local.set $s (i32.ctz (local.get $i)))
            (local.set $w (i32.load (i32.add (local.get $p) (i32.shl (local.get $s) (i32.const 2)))))
            (if (i32.eqz (i32.and (i32.const 1024)
                  (i32.or (i32.load16_u (i32.shl (i32.and (local.get $w) (i32.const 0xffff)) (i32.const 1)))
                          (i32.load16_u (i32.shl (i32.shr_u (local.get $w) (i32.const 16)) (i32.const 1))))))
              (then (local.set $a4 (i32.xor (local.get $a4) (i32.shl (i32.const 1) (local.get $s))))))
            (br_if $cand (local.tee $i (i32.and (local.get $i) (i32.sub (local.get $i) (i32.const 1))))))
          (v128.store offset=0xa3000 (i32.shl (local.get $kb) (i32.const 2))
            (i8x16.swizzle (local.get $jv) (v128.load offset=0x38200 (i32.shl (local.get $a4) (i32.const 4)))))
          (local.set $kb (i32.add (local.get $kb) (i32.popcnt (local.get $a4))))))
      (v128.store offset=0xc4000 (i32.shl (local.get $kd) (i32.const 2))
        (i8x16.swizzle (local.get $jv) (v128.load offset=0x38200 (i32.shl (local.get $d4) (i32.const 4)))))
      (local.set $kd (i32.add (local.get $kd) (i32.popcnt (local.get $d4))))
      ;; ends of streaks of 3+ whole-run words: [end word, streak, classes]
      (local.set $hf (i32.or (i32.shr_u (local.get $hf) (i32.const 4)) (i32.shl (local.get $f4) (i32.const 28))))
      (local.set $e4 (i32.shr_u
        (i32.and (i32.and (i32.xor (local.get $hf) (i32.const -1)) (i32.shl (local.get $hf) (i32.const 1)))
                 (i32.and (i32.shl (local.get $hf) (i32.const 2)) (i32.shl (local.get $hf) (i32.const 3))))
        (i32.const 28)))
      (if (local.get $e4)
        (then
          ;; at most one end in four words; the streak began after the last non-run word before this block
          (local.set $i (i32.add (local.get $j) (i32.ctz (local.get $e4))))
          (local.set $s (i32.add (local.get $zero) (i32.const 1)))
          (i32.store offset=0xe5000 (i32.shl (local.get $kr) (i32.const 2)) (local.get $i))
          (i32.store offset=0xe5004 (i32.shl (local.get $kr) (i32.const 2)) (i32.sub (local.get $i) (local.get $s)))
          (i32.store offset=0xe5008 (i32.shl (local.get $kr) (i32.const 2))
            (i32.or (call $classes (select (local.get $s) (local.get $j0) (i32.ge_s (local.get $s) (local.get $j0))) (local.get $i) (local.get $j0))
                    (select (i32.const 0) (global.get $carry) (i32.ge_s (local.get $s) (local.get $j0)))))
          (local.set $kr (i32.add (local.get $kr) (i32.const 3)))))
      (if (i32.ne (local.get $f4) (i32.const 15))
        (then (local.set $zero (i32.sub (i32.add (local.get $j) (i32.const 31)) (i32.clz (i32.xor (local.get $f4) (i32.const 15)))))))
      (local.set $jv (i32x4.add (local.get $jv) (v128.const i32x4 4 4 4 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $p) (local.get $end))))
    ;; a streak still open at the end: its classes so far, for the next call
    (local.set $s (i32.add (local.get $zero) (i32.const 1)))
    (global.set $carry
      (i32.or (call $classes (select (local.get $s) (local.get $j0) (i32.ge_s (local.get $s) (local.get $j0))) (i32.add (local.get $j0) (local.get $nw)) (local.get $j0))
              (select (i32.const 0) (global.get $carry) (i32.ge_s (local.get $s) (local.get $j0)))))
    (global.set $hf (local.get $hf))
    (global.set $hu (local.get $hu))
    (global.set $hg (local.get $hg))
    (global.set $hp (local.get $hp))
    (global.set $hh (local.get $hh))
    (global.set $zero (local.get $zero))
    (global.set $eq (local.get $eq))
    (i32.store offset=0x38124 (i32.const 0) (v128.any_true (local.get $eq)))
    (global.set $ctl (local.get $ctl))
    (i32.store offset=0x38128 (i32.const 0) (v128.any_true (local.get $ctl)))
    (i32.store offset=0x38100 (i32.const 0) (local.get $kt))
    (i32.store offset=0x38104 (i32.const 0) (local.get $kn))
    (i32.store offset=0x38108 (i32.const 0) (local.get $kb))
    (i32.store offset=0x3810c (i32.const 0) (local.get $kd))
    (i32.store offset=0x38110 (i32.const 0) (local.get $kr))
    (i32.store offset=0x38114 (i32.const 0) (local.get $kg))
    (i32.store offset=0x3811c (i32.const 0) (local.get $kz)))

  ;; The classes of words a..b-1 (absolute; a >= j0, the block's first word): their halves'
  ;; pair-table entries OR'd, as the JS loop keeps them for a streak.
  (func $classes (param $a i32) (param $b i32) (param $j0 i32) (result i32)
    (local $p i32) (local $e i32) (local $c i32) (local $w i32)
    (local.set $p (i32.add (i32.const 0x40000) (i32.shl (i32.sub (local.get $a) (local.get $j0)) (i32.const 2))))
    (local.set $e (i32.add (i32.const 0x40000) (i32.shl (i32.sub (local.get $b) (local.get $j0)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $e)))
        (local.set $w (i32.load (local.get $p)))
        (local.set $c (i32.or (local.get $c)
          (i32.or (i32.load16_u (i32.shl (i32.and (local.get $w) (i32.const 0xffff)) (i32.const 1)))
                  (i32.load16_u (i32.shl (i32.shr_u (local.get $w) (i32.const 16)) (i32.const 1))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $next)))
    (local.get $c))

  ;; regrouped.ts gapStarts over a text held whole in TEXT (n bytes): each separator byte
  ;; (GAPSEP) of the group probe's words OUT_GRP[0..ng) tested as gapStartAt does, the
  ;; starts found to OUT_GAPS in the same order. Returns their count, or -1 when they do not
  ;; fit (the caller then runs the JavaScript twin).
  (func (export "gaps") (param $n i32) (param $ng i32) (result i32)
    (local $w i32) (local $p i32) (local $p1 i32) (local $k i32) (local $c i32) (local $q i32) (local $len i32) (local $e2 i32) (local $st i32) (local $m i32) (local $base i32)
    (block $done
      (loop $word
        (br_if $done (i32.ge_u (local.get $w) (local.get $ng)))
        (local.set $p (i32.shl (i32.load offset=0x106000 (i32.shl (local.get $w) (i32.const 2))) (i32.const 2)))
        (local.set $p1 (select (i32.add (local.get $p) (i32.const 4)) (local.get $n) (i32.lt_s (i32.add (local.get $p) (i32.const 4)) (local.get $n))))
        (local.set $w (i32.add (local.get $w) (i32.const 1)))
        ;; the word's separator bytes (GAPSEP) below p1 as a 4-bit mask, then one at a time
        (local.set $m (i32.and
          (i32.or
            (i32.or (i32.ne (i32.load8_u offset=0x38400 (i32.load8_u offset=0x40000 (local.get $p))) (i32.const 0))
                    (i32.shl (i32.ne (i32.load8_u offset=0x38400 (i32.load8_u offset=0x40001 (local.get $p))) (i32.const 0)) (i32.const 1)))
            (i32.or (i32.shl (i32.ne (i32.load8_u offset=0x38400 (i32.load8_u offset=0x40002 (local.get $p))) (i32.const 0)) (i32.const 2))
                    (i32.shl (i32.ne (i32.load8_u offset=0x38400 (i32.load8_u offset=0x40003 (local.get $p))) (i32.const 0)) (i32.const 3))))
          (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $p1) (local.get $p))) (i32.const 1))))
        (local.set $base (local.get $p))
        (block $wdone
          (loop $byte
            (br_if $wdone (i32.eqz (local.get $m)))
            (local.set $p (i32.add (local.get $base) (i32.ctz (local.get $m))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (local.set $c (i32.load8_u offset=0x40000 (local.get $p)))
            (local.set $st (i32.const -1))
            (block $tested
              ;; hex pairs: c h h c h h (c | end) (nested: reads before the text's start must not happen)
              (if (i32.ge_s (local.get $p) (i32.const 3))
                (then (if (i32.eq (i32.load8_u offset=0x3fffd (local.get $p)) (local.get $c))
                  (then (if (call $hex2 (i32.sub (local.get $p) (i32.const 2)))
                    (then (if (i32.lt_s (i32.add (local.get $p) (i32.const 2)) (local.get $n))
                      (then (if (i32.and (call $hex2 (i32.add (local.get $p) (i32.const 1)))
                                         (i32.or (i32.eq (i32.add (local.get $p) (i32.const 3)) (local.get $n))
                                                 (i32.eq (i32.load8_u offset=0x40003 (local.get $p)) (local.get $c))))
                        (then
                          (if (i32.eqz
                                (if (result i32) (i32.ge_s (local.get $p) (i32.const 6))
                                  (then (i32.and (i32.eq (i32.load8_u offset=0x3fffa (local.get $p)) (local.get $c))
                                                 (call $hex2 (i32.sub (local.get $p) (i32.const 5)))))
                                  (else (i32.const 0))))
                            (then (local.set $st (call $groupStart (i32.sub (local.get $p) (i32.const 2)) (i32.const 2)))))
                          (br $tested)))))))))))
              (br_if $tested (i32.ne (i32.load8_u offset=0x38400 (local.get $c)) (i32.const 2)))
              ;; first, what it needs of any length 4-8 (L): c at p - 1 - L and at p + 1 + L (lane L of
              ;; the bytes before p mirrored, and of those after it); near the end (e2 may be n) the test decides
              (if (i32.lt_s (i32.add (local.get $p) (i32.const 9)) (local.get $n))
                (then (br_if $tested (i32.eqz (v128.any_true (v128.and
                  (i8x16.eq (i8x16.swizzle (v128.load offset=0x3fff7 (local.get $p))
                                           (v128.const i8x16 -128 -128 -128 -128 4 3 2 1 0 -128 -128 -128 -128 -128 -128 -128))
                            (i8x16.splat (local.get $c)))
                  (i8x16.eq (v128.load offset=0x40001 (local.get $p)) (i8x16.splat (local.get $c)))))))))
              ;; base64 groups of 4 to 8: the token before p fixes the length
              (local.set $q (i32.sub (local.get $p) (i32.const 1)))
              (block $qdone
                (loop $back
                  (br_if $qdone (i32.lt_s (local.get $q) (i32.const 0)))
                  (br_if $qdone (i32.gt_s (i32.sub (i32.sub (local.get $p) (i32.const 1)) (local.get $q)) (i32.const 8)))
                  (br_if $qdone (i32.eqz (i32.load8_u offset=0x38500 (i32.load8_u offset=0x40000 (local.get $q)))))
                  (local.set $q (i32.sub (local.get $q) (i32.const 1)))
                  (br $back)))
              (local.set $len (i32.sub (i32.sub (local.get $p) (i32.const 1)) (local.get $q)))
              (br_if $tested (i32.lt_s (local.get $len) (i32.const 4)))
              (br_if $tested (i32.gt_s (local.get $len) (i32.const 8)))
              (br_if $tested (i32.lt_s (local.get $q) (i32.const 0)))
              (br_if $tested (i32.ne (i32.load8_u offset=0x40000 (local.get $q)) (local.get $c)))
              (local.set $e2 (i32.add (i32.add (local.get $p) (i32.const 1)) (local.get $len)))
              (br_if $tested (i32.gt_s (local.get $e2) (local.get $n)))
              (br_if $tested (i32.and (i32.lt_s (local.get $e2) (local.get $n))
                                      (i32.ne (i32.load8_u offset=0x40000 (local.get $e2)) (local.get $c))))
              (br_if $tested (i32.eqz (call $groupBytes (i32.add (local.get $q) (i32.const 1)) (local.get $p))))
              (br_if $tested (i32.eqz (call $groupBytes (i32.add (local.get $p) (i32.const 1)) (local.get $e2))))
              ;; q0 = q - len - 1: an equal token before (the sequence started earlier)
              (if (i32.ge_s (i32.sub (i32.sub (local.get $q) (local.get $len)) (i32.const 1)) (i32.const 0))
                (then (br_if $tested (i32.and
                  (i32.eq (i32.load8_u offset=0x40000 (i32.sub (i32.sub (local.get $q) (local.get $len)) (i32.const 1))) (local.get $c))
                  (call $groupBytes (i32.sub (local.get $q) (local.get $len)) (local.get $q))))))
              (local.set $st (call $groupStart (i32.add (local.get $q) (i32.const 1)) (local.get $len))))
            (if (i32.ge_s (local.get $st) (i32.const 0))
              (then
                (if (i32.ge_u (local.get $k) (i32.const 32768)) (then (return (i32.const -1))))
                (i32.store offset=0x130000 (i32.shl (local.get $k) (i32.const 2)) (local.get $st))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))))
            (br $byte)))
        (br $word)))
    (local.get $k))

  ;; Bytes i and i + 1 are hex digits (HEXD).
  (func $hex2 (param $i i32) (result i32)
    (i32.and (i32.load8_u offset=0x38600 (i32.load8_u offset=0x40000 (local.get $i)))
             (i32.load8_u offset=0x38600 (i32.load8_u offset=0x40001 (local.get $i)))))

  ;; Bytes s..e-1 are of the group alphabet (BODY) with an upper-case letter or a digit among them.
  (func $groupBytes (param $s i32) (param $e i32) (result i32)
    (local $c i32) (local $marked i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $s) (local.get $e)))
        (local.set $c (i32.load8_u offset=0x40000 (local.get $s)))
        (if (i32.eqz (i32.load8_u offset=0x38500 (local.get $c))) (then (return (i32.const 0))))
        (if (i32.or (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26))
                    (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
          (then (local.set $marked (i32.const 1))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $next)))
    (local.get $marked))

  ;; regrouped.ts groupStart: the sequence may begin with the len chars before the first separator.
  (func $groupStart (param $st i32) (param $len i32) (result i32)
    (local $k i32)
    (local.set $k (i32.sub (local.get $st) (i32.const 2)))
    (block $done
      (loop $back
        (br_if $done (i32.lt_s (local.get $k) (i32.const 0)))
        (br_if $done (i32.gt_s (i32.sub (i32.sub (local.get $st) (i32.const 1)) (local.get $k)) (local.get $len)))
        (br_if $done (i32.eqz (i32.load8_u offset=0x38500 (i32.load8_u offset=0x40000 (local.get $k)))))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $back)))
    (select (i32.add (local.get $k) (i32.const 1)) (local.get $st)
      (i32.eq (i32.sub (i32.sub (local.get $st) (i32.const 2)) (local.get $k)) (local.get $len))))

  ;; keyword-index.ts trigramsAt over the pass's trigram candidates OUT_TRI[0..nt), for a text
  ;; held whole in TEXT (n bytes): each anchor position's bucket (TRIBITS, TRIRANK, BSTART; TRIENT) and each
  ;; keyword anchored there compared case-folded (KWAT, KWBYTES), as verifyKeyword does. The
  ;; [keyword, start] pairs found go to OUT_HITS in the order the JS would insert them;
  ;; returns their count, or -1 when they do not fit. 512 candidates at a time: first the
  ;; positions (4j, 4j + 2) whose hash has a bucket, with its rank, to TRISCR without a
  ;; branch (their table loads overlap; one position in two has none), then those buckets.
  (func (export "trihits") (param $n i32) (param $nt i32) (result i32)
    (local $i i32) (local $b i32) (local $be i32) (local $j i32) (local $f i32) (local $k i32) (local $key i32) (local $h i32)
    (local $m i32) (local $q i32) (local $bits i64) (local $bit i64)
    (block $done
      (loop $batch
        (br_if $done (i32.ge_u (local.get $b) (local.get $nt)))
        (local.set $be (select (i32.add (local.get $b) (i32.const 512)) (local.get $nt)
                               (i32.lt_u (i32.add (local.get $b) (i32.const 512)) (local.get $nt))))
        (local.set $m (i32.const 0))
        (local.set $i (local.get $b))
        (block $kept
          (loop $cand
            (br_if $kept (i32.ge_u (local.get $i) (local.get $be)))
            (local.set $j (i32.shl (i32.load offset=0x61000 (i32.shl (local.get $i) (i32.const 2))) (i32.const 2)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $f (i32.or (i32.load offset=0x40000 (local.get $j)) (i32.const 0x20202020)))
            ;; at 4j
            (local.set $key (i32.and (local.get $f) (i32.const 0xffffff)))
            (local.set $h (i32.shr_u (i32.mul (local.get $key) (i32.const 0x9e3779b1)) (i32.const 16)))
            (local.set $bits (i64.load offset=0x150000 (i32.shl (i32.shr_u (local.get $h) (i32.const 6)) (i32.const 3))))
            (local.set $bit (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $h))))
            (i32.store offset=0x26c000 (i32.mul (local.get $m) (i32.const 12)) (local.get $j))
            (i32.store offset=0x26c004 (i32.mul (local.get $m) (i32.const 12)) (local.get $key))
            (i32.store offset=0x26c008 (i32.mul (local.get $m) (i32.const 12))
              (i32.add (i32.load16_u offset=0x152000 (i32.shl (i32.shr_u (local.get $h) (i32.const 6)) (i32.const 1)))
                       (i32.wrap_i64 (i64.popcnt (i64.and (local.get $bits) (i64.sub (local.get $bit) (i64.const 1)))))))
            (local.set $m (i32.add (local.get $m) (i64.ne (i64.and (local.get $bits) (local.get $bit)) (i64.const 0))))
            ;; at 4j + 2
            (local.set $key (i32.and
              (i32.or (i32.shr_u (local.get $f) (i32.const 16))
                      (i32.shl (i32.or (i32.load offset=0x40004 (local.get $j)) (i32.const 0x20202020)) (i32.const 16)))
              (i32.const 0xffffff)))
            (local.set $h (i32.shr_u (i32.mul (local.get $key) (i32.const 0x9e3779b1)) (i32.const 16)))
            (local.set $bits (i64.load offset=0x150000 (i32.shl (i32.shr_u (local.get $h) (i32.const 6)) (i32.const 3))))
            (local.set $bit (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $h))))
            (i32.store offset=0x26c000 (i32.mul (local.get $m) (i32.const 12)) (i32.add (local.get $j) (i32.const 2)))
            (i32.store offset=0x26c004 (i32.mul (local.get $m) (i32.const 12)) (local.get $key))
            (i32.store offset=0x26c008 (i32.mul (local.get $m) (i32.const 12))
              (i32.add (i32.load16_u offset=0x152000 (i32.shl (i32.shr_u (local.get $h) (i32.const 6)) (i32.const 1)))
                       (i32.wrap_i64 (i64.popcnt (i64.and (local.get $bits) (i64.sub (local.get $bit) (i64.const 1)))))))
            (local.set $m (i32.add (local.get $m) (i64.ne (i64.and (local.get $bits) (local.get $bit)) (i64.const 0))))
            (br $cand)))
        (local.set $q (i32.const 0))
        (block $buckets
          (loop $next
            (br_if $buckets (i32.ge_u (local.get $q) (local.get $m)))
            (local.set $k (call $anchors (local.get $n)
              (i32.load offset=0x26c000 (i32.mul (local.get $q) (i32.const 12)))
              (i32.load offset=0x26c004 (i32.mul (local.get $q) (i32.const 12)))
              (i32.load offset=0x26c008 (i32.mul (local.get $q) (i32.const 12)))
              (local.get $k)))
            (br_if $done (i32.lt_s (local.get $k) (i32.const 0)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $next)))
        (local.set $b (local.get $be))
        (br $batch)))
    (local.get $k))

  ;; The keywords anchored at position p by the folded trigram key, whose hash has the r-th
  ;; bucket (its bit in TRIBITS; r: TRIRANK and the bits before it): pairs appended at k; the new k (-1: full).
  (func $anchors (param $n i32) (param $p i32) (param $key i32) (param $r i32) (param $k i32) (result i32)
    (local $e i32) (local $end i32) (local $s i32) (local $kw i32) (local $len i32) (local $at i32) (local $c i32) (local $x i32)
    (local.set $e (i32.load offset=0x153000 (i32.shl (local.get $r) (i32.const 2))))
    (local.set $end (i32.load offset=0x153004 (i32.shl (local.get $r) (i32.const 2))))
    (block $done
      (loop $entry
        (br_if $done (i32.ge_s (local.get $e) (local.get $end)))
        (if (i32.eq (i32.load offset=0x191000 (i32.mul (local.get $e) (i32.const 12))) (local.get $key))
          (then
            (local.set $s (i32.sub (local.get $p) (i32.load offset=0x191008 (i32.mul (local.get $e) (i32.const 12)))))
            (local.set $kw (i32.load offset=0x191004 (i32.mul (local.get $e) (i32.const 12))))
            (local.set $len (i32.load offset=0x1a1004 (i32.shl (local.get $kw) (i32.const 3))))
            (if (i32.and (i32.ge_s (local.get $s) (i32.const 0)) (i32.le_s (i32.add (local.get $s) (local.get $len)) (local.get $n)))
              (then
                (local.set $at (i32.load offset=0x1a1000 (i32.shl (local.get $kw) (i32.const 3))))
                (local.set $x (i32.const 0))
                (block $differ
                  (loop $char
                    (if (i32.ge_s (local.get $x) (local.get $len))
                      (then
                        (if (i32.ge_u (local.get $k) (i32.const 32766)) (then (return (i32.const -1))))
                        (i32.store offset=0x1b1000 (i32.shl (local.get $k) (i32.const 2)) (local.get $kw))
                        (i32.store offset=0x1b1004 (i32.shl (local.get $k) (i32.const 2)) (local.get $s))
                        (local.set $k (i32.add (local.get $k) (i32.const 2)))
                        (br $differ)))
                    (local.set $c (i32.load8_u offset=0x40000 (i32.add (local.get $s) (local.get $x))))
                    ;; FOLD: A-Z to a-z
                    (local.set $c (i32.add (local.get $c) (i32.shl (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26)) (i32.const 5))))
                    (br_if $differ (i32.ne (local.get $c) (i32.load8_u offset=0x1a9000 (i32.add (local.get $at) (local.get $x)))))
                    (local.set $x (i32.add (local.get $x) (i32.const 1)))
                    (br $char)))))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $entry)))
    (local.get $k))

  ;; text-index.ts runAt for each of the pass's run triples OUT_RUN[0..nr) (a text held whole
  ;; in TEXT, n bytes): the run's edges, its kind (run-kinds.ts runKind, with decodeInfo) and
  ;; its alnum pieces (alnumPieces; minPiece >= 1), to OUT_RUNS ([start, end] pairs),
  ;; OUT_KINDS and OUT_PIECES ([start, end, hex] triples; their count of ints to COUNTS[8]).
  ;; Returns the count of runs, or -1 when the pieces do not fit.
  (func (export "runs") (param $n i32) (param $nr i32) (param $minPiece i32) (param $decodeInfo i32) (result i32)
    (local $i i32) (local $s i32) (local $e i32) (local $end i32) (local $flags i32) (local $k i32) (local $kp i32) (local $c i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $nr)))
        (local.set $e (i32.shl (i32.load offset=0xe5000 (i32.shl (local.get $i) (i32.const 2))) (i32.const 2)))
        (local.set $s (i32.sub (local.get $e) (i32.shl (i32.load offset=0xe5004 (i32.shl (local.get $i) (i32.const 2))) (i32.const 2))))
        (local.set $flags (i32.load offset=0xe5008 (i32.shl (local.get $i) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 3)))
        ;; the 0-3 run bytes on each side (CLS & C_RUN)
        (block $sdone
          (loop $back
            (br_if $sdone (i32.le_s (local.get $s) (i32.const 0)))
            (local.set $c (i32.load8_u offset=0x38700 (i32.load8_u offset=0x3ffff (local.get $s))))
            (br_if $sdone (i32.eqz (i32.and (local.get $c) (i32.const 1))))
            (local.set $flags (i32.or (local.get $flags) (local.get $c)))
            (local.set $s (i32.sub (local.get $s) (i32.const 1)))
            (br $back)))
        (block $edone
          (loop $fwd
            (br_if $edone (i32.ge_s (local.get $e) (local.get $n)))
            (local.set $c (i32.load8_u offset=0x38700 (i32.load8_u offset=0x40000 (local.get $e))))
            (br_if $edone (i32.eqz (i32.and (local.get $c) (i32.const 1))))
            (local.set $flags (i32.or (local.get $flags) (local.get $c)))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $fwd)))
        (br_if $next (i32.lt_s (i32.sub (local.get $e) (local.get $s)) (i32.const 15)))
        ;; up to two '=' of padding
        (local.set $end (local.get $e))
        (if (i32.lt_s (local.get $end) (local.get $n))
          (then (if (i32.eq (i32.load8_u offset=0x40000 (local.get $end)) (i32.const 61))
            (then (local.set $end (i32.add (local.get $end)
              (select (i32.const 2) (i32.const 1)
                (i32.and (i32.lt_s (i32.add (local.get $end) (i32.const 1)) (local.get $n))
                         (i32.eq (i32.load8_u offset=0x40001 (local.get $end)) (i32.const 61))))))))))
        (i32.store offset=0x1f2000 (i32.shl (local.get $k) (i32.const 3)) (local.get $s))
        (i32.store offset=0x1f2004 (i32.shl (local.get $k) (i32.const 3)) (local.get $end))
        (i32.store offset=0x203000 (i32.shl (local.get $k) (i32.const 2))
          (if (result i32) (local.get $decodeInfo)
            (then (call $runKind (local.get $s) (local.get $e) (local.get $end) (local.get $flags)))
            (else (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        ;; pieces: the whole run when it has no separator ('-', '_', '+', '/'), else alnumPieces
        (if (i32.eqz (i32.and (local.get $flags) (i32.const 224)))
          (then
            (if (i32.ge_s (i32.sub (local.get $e) (local.get $s)) (local.get $minPiece))
              (then
                (if (i32.ge_u (local.get $kp) (i32.const 0xfffd)) (then (return (i32.const -1))))
                (i32.store offset=0x20c000 (i32.shl (local.get $kp) (i32.const 2)) (local.get $s))
                (i32.store offset=0x20c004 (i32.shl (local.get $kp) (i32.const 2)) (local.get $e))
                (i32.store offset=0x20c008 (i32.shl (local.get $kp) (i32.const 2)) (i32.eqz (i32.and (local.get $flags) (i32.const 16))))
                (local.set $kp (i32.add (local.get $kp) (i32.const 3))))))
          (else
            (local.set $kp (call $alnumPieces (local.get $s) (local.get $e) (local.get $minPiece) (local.get $kp)))
            (if (i32.lt_s (local.get $kp) (i32.const 0)) (then (return (i32.const -1))))))
        (br $next)))
    (i32.store offset=0x38120 (i32.const 0) (local.get $kp))
    (local.get $k))

  ;; run-kinds.ts runKind: how the run [s, e) (with its padding to end) decodes, and PRINTABLE.
  (func $runKind (param $s i32) (param $e i32) (param $end i32) (param $flags i32) (result i32)
    (local $u i32) (local $l i32) (local $d i32) (local $kind i32)
    (if (i32.and (i32.eq (local.get $end) (local.get $e)) (i32.eqz (i32.and (local.get $flags) (i32.const 240))))
      (then
        (return (i32.or
          (select (i32.const 9) (i32.const 1)
            (if (result i32) (i32.ge_s (i32.sub (local.get $e) (local.get $s)) (i32.const 16))
              (then (call $hexPrintable (local.get $s) (local.get $e)))
              (else (i32.const 0))))
          (select (i32.const 16) (i32.const 0) (i32.eq (i32.and (local.get $flags) (i32.const 6)) (i32.const 6)))))))
    (if (i32.and (i32.and (i32.eq (local.get $end) (local.get $e)) (i32.eqz (i32.and (local.get $flags) (i32.const 208))))
                 (i32.eq (i32.rem_s (i32.sub (local.get $e) (local.get $s)) (i32.const 3)) (i32.const 2)))
      (then (return (i32.const 2))))
    (local.set $u (i32.ne (i32.and (local.get $flags) (i32.const 2)) (i32.const 0)))
    (local.set $l (i32.ne (i32.and (local.get $flags) (i32.const 4)) (i32.const 0)))
    (local.set $d (i32.ne (i32.and (local.get $flags) (i32.const 8)) (i32.const 0)))
    (if (i32.or (i32.lt_s (i32.add (i32.add (local.get $u) (local.get $l)) (local.get $d)) (i32.const 2))
                (i32.and (i32.eqz (local.get $u)) (local.get $l)))
      (then (return (i32.const 0))))
    (local.set $kind (select (i32.const 4) (i32.const 3) (i32.and (local.get $flags) (i32.const 96))))
    (if (i32.ge_s (i32.sub (local.get $end) (local.get $s)) (i32.const 16))
      (then (if (call $base64Printable (local.get $s) (local.get $e))
        (then (return (i32.or (local.get $kind) (i32.const 8)))))))
    (local.get $kind))

  ;; run-kinds.ts hexPrintable: 8 printable bytes in a row among the hex chars' bytes, each
  ;; window tested from its last byte back (HEXHI: the digit is 2-7; HEXV: its value).
  (func $hexPrintable (param $s i32) (param $e i32) (result i32)
    (local $k i32) (local $t i32)
    (local.set $k (local.get $s))
    (block $done
      (loop $window
        (br_if $done (i32.ge_s (i32.add (local.get $k) (i32.const 15)) (local.get $e)))
        (local.set $t (i32.add (local.get $k) (i32.const 14)))
        (block $tdone
          (loop $back
            (br_if $tdone (i32.lt_s (local.get $t) (local.get $k)))
            (br_if $tdone (i32.eqz (i32.load8_u offset=0x38900 (i32.load8_u offset=0x40000 (local.get $t)))))
            (br_if $tdone (i32.gt_u
              (i32.or (i32.shl (i32.load8_u offset=0x38800 (i32.load8_u offset=0x40000 (local.get $t))) (i32.const 4))
                      (i32.load8_u offset=0x38800 (i32.load8_u offset=0x40001 (local.get $t))))
              (i32.const 0x7e)))
            (local.set $t (i32.sub (local.get $t) (i32.const 2)))
            (br $back)))
        (if (i32.lt_s (local.get $t) (local.get $k)) (then (return (i32.const 1))))
        (local.set $k (i32.add (local.get $t) (i32.const 2)))
        (br $window)))
    (i32.const 0))

  ;; run-kinds.ts base64Printable: two 4-char groups in a row that may decode to printable bytes
  ;; (B64G bits 1, 2, 4), then the exact test.
  (func $base64Printable (param $s i32) (param $e i32) (result i32)
    (local $k i32) (local $ok i32)
    (local.set $k (local.get $s))
    (block $done
      (loop $group
        (br_if $done (i32.ge_s (i32.add (local.get $k) (i32.const 3)) (local.get $e)))
        (if (i32.and
              (i32.and (i32.load8_u offset=0x38a00 (i32.load8_u offset=0x40000 (local.get $k)))
                       (i32.shr_u (i32.load8_u offset=0x38a00 (i32.load8_u offset=0x40001 (local.get $k))) (i32.const 1)))
              (i32.shr_u (i32.load8_u offset=0x38a00 (i32.load8_u offset=0x40002 (local.get $k))) (i32.const 2)))
          (then
            (local.set $ok (i32.add (local.get $ok) (i32.const 1)))
            (if (i32.ge_s (local.get $ok) (i32.const 2)) (then (return (call $base64PrintableExact (local.get $s) (local.get $e))))))
          (else (local.set $ok (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $group)))
    (i32.const 0))

  ;; run-kinds.ts base64PrintableExact: the run decoded six bits at a time (B64V), 8 printable bytes in a row.
  (func $base64PrintableExact (param $s i32) (param $e i32) (result i32)
    (local $k i32) (local $run i32) (local $acc i32) (local $bits i32) (local $v i32)
    (local.set $k (local.get $s))
    (block $done
      (loop $char
        (br_if $done (i32.ge_s (local.get $k) (local.get $e)))
        (local.set $acc (i32.and (i32.or (i32.shl (local.get $acc) (i32.const 6)) (i32.load8_u offset=0x38b00 (i32.load8_u offset=0x40000 (local.get $k))))
                                 (i32.const 0xffffff)))
        (local.set $bits (i32.add (local.get $bits) (i32.const 6)))
        (if (i32.ge_s (local.get $bits) (i32.const 8))
          (then
            (local.set $bits (i32.sub (local.get $bits) (i32.const 8)))
            (local.set $v (i32.and (i32.shr_u (local.get $acc) (local.get $bits)) (i32.const 0xff)))
            (if (i32.lt_u (i32.sub (local.get $v) (i32.const 0x20)) (i32.const 0x5f))
              (then
                (local.set $run (i32.add (local.get $run) (i32.const 1)))
                (if (i32.ge_s (local.get $run) (i32.const 8)) (then (return (i32.const 1)))))
              (else (local.set $run (i32.const 0))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $char)))
    (i32.const 0))

  ;; run-kinds.ts alnumPieces (minPiece >= 1): [A-Za-z0-9] pieces of minPiece+ chars of the run
  ;; [s, e) with separators, triples appended at kp (ints); the new kp, or -1 when full.
  (func $alnumPieces (param $s i32) (param $e i32) (param $minPiece i32) (param $kp i32) (result i32)
    (local $ps i32) (local $known i32) (local $t i32) (local $k i32) (local $q i32) (local $w i32) (local $hex i32) (local $hi i32) (local $m i32) (local $v v128)
    (local.set $ps (local.get $s))
    (local.set $known (local.get $s))
    (block $done
      (loop $piece
        (br_if $done (i32.lt_s (i32.sub (local.get $e) (local.get $ps)) (local.get $minPiece)))
        (local.set $t (i32.add (local.get $ps) (local.get $minPiece)))
        ;; the last non-alnum byte in [known, t), else known - 1: 16 bytes at a time back from t
        (local.set $k (i32.sub (local.get $known) (i32.const 1)))
        (local.set $hi (local.get $t))
        (block $kdone
          (loop $back
            (br_if $kdone (i32.le_s (local.get $hi) (local.get $known)))
            (local.set $m (i32.and
              (i32.xor (i8x16.bitmask (v128.or
                ;; [A-Za-z0-9] (CLS C_UPPER, C_LOWER, C_DIGIT)
                (i8x16.lt_s (i8x16.add (v128.or (local.tee $v (v128.load offset=0x3fff0 (local.get $hi)))
                                                (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
                                       (v128.const i8x16 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31))
                            (v128.const i8x16 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102))
                (i8x16.lt_s (i8x16.add (local.get $v) (v128.const i8x16 80 80 80 80 80 80 80 80 80 80 80 80 80 80 80 80))
                            (v128.const i8x16 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118 -118)))) (i32.const 0xffff))
              ;; lanes from known on (lane i is byte hi - 16 + i)
              (i32.shl (i32.const -1) (select (i32.sub (i32.add (local.get $known) (i32.const 16)) (local.get $hi)) (i32.const 0)
                                              (i32.gt_s (i32.add (local.get $known) (i32.const 16)) (local.get $hi))))))
            (if (local.get $m)
              (then
                (local.set $k (i32.sub (i32.add (local.get $hi) (i32.const 15)) (i32.clz (local.get $m))))
                (br $kdone)))
            (local.set $hi (i32.sub (local.get $hi) (i32.const 16)))
            (br $back)))
        (if (i32.ge_s (local.get $k) (local.get $known))
          (then
            (local.set $ps (i32.add (local.get $k) (i32.const 1)))
            (local.set $known (local.get $t))
            (br $piece)))
        (local.set $q (local.get $t))
        (block $qdone
          (loop $fwd
            (br_if $qdone (i32.ge_s (local.get $q) (local.get $e)))
            (if (i32.and (i32.eqz (i32.and (local.get $q) (i32.const 3))) (i32.le_s (i32.add (local.get $q) (i32.const 4)) (local.get $e)))
              (then
                (local.set $w (i32.load offset=0x40000 (local.get $q)))
                (if (i32.and (i32.const 2048)
                      (i32.and (i32.load16_u (i32.shl (i32.and (local.get $w) (i32.const 0xffff)) (i32.const 1)))
                               (i32.load16_u (i32.shl (i32.shr_u (local.get $w) (i32.const 16)) (i32.const 1)))))
                  (then
                    (local.set $q (i32.add (local.get $q) (i32.const 4)))
                    (br $fwd)))))
            (br_if $qdone (i32.eqz (i32.and (i32.load8_u offset=0x38700 (i32.load8_u offset=0x40000 (local.get $q))) (i32.const 14))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $fwd)))
        ;; hexOnly: no char past 'f' (C_NONHEX)
        (local.set $hex (i32.const 1))
        (local.set $k (local.get $ps))
        (block $hdone
          (loop $h
            (br_if $hdone (i32.ge_s (local.get $k) (local.get $q)))
            ;; G-Z, g-z among the 16 bytes at k, those before q
            (if (i32.and
                  (i8x16.bitmask (i8x16.lt_s
                    (i8x16.add (v128.or (v128.load offset=0x40000 (local.get $k)) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
                               (v128.const i8x16 25 25 25 25 25 25 25 25 25 25 25 25 25 25 25 25))
                    (v128.const i8x16 -108 -108 -108 -108 -108 -108 -108 -108 -108 -108 -108 -108 -108 -108 -108 -108)))
                  (select (i32.const 0xffff) (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $q) (local.get $k))) (i32.const 1))
                          (i32.ge_s (i32.sub (local.get $q) (local.get $k)) (i32.const 16))))
              (then (local.set $hex (i32.const 0)) (br $hdone)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $h)))
        (if (i32.ge_u (local.get $kp) (i32.const 0xfffd)) (then (return (i32.const -1))))
        (i32.store offset=0x20c000 (i32.shl (local.get $kp) (i32.const 2)) (local.get $ps))
        (i32.store offset=0x20c004 (i32.shl (local.get $kp) (i32.const 2)) (local.get $q))
        (i32.store offset=0x20c008 (i32.shl (local.get $kp) (i32.const 2)) (local.get $hex))
        (local.set $kp (i32.add (local.get $kp) (i32.const 3)))
        (local.set $ps (i32.add (local.get $q) (i32.const 1)))
        (local.set $known (local.get $ps))
        (br $piece)))
    (local.get $kp))

  ;; text-index.ts digitsAt for the pass's digit words OUT_DIG[0..nd) (a text held whole in
  ;; TEXT, n bytes): each word's stretch of digits, spaces and dashes (DIGSEP: 2 a digit, 1 a
  ;; space or dash), [start, end] to OUT_DIGITS when it holds 8+ digits; a word inside the
  ;; last stretch is passed over. Returns the count of ints, or -1 when they do not fit.
  (func (export "digits") (param $n i32) (param $nd i32) (result i32)
    (local $i i32) (local $j i32) (local $past i32) (local $p i32) (local $s i32) (local $e i32) (local $d i32) (local $digits i32) (local $k i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $nd)))
        (local.set $j (i32.load offset=0xc4000 (i32.shl (local.get $i) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_s (local.get $j) (local.get $past)))
        (local.set $p (i32.shl (local.get $j) (i32.const 2)))
        (local.set $digits (i32.add
          (i32.add (i32.shr_u (i32.load8_u offset=0x38c00 (i32.load8_u offset=0x40000 (local.get $p))) (i32.const 1))
                   (i32.shr_u (i32.load8_u offset=0x38c00 (i32.load8_u offset=0x40001 (local.get $p))) (i32.const 1)))
          (i32.add (i32.shr_u (i32.load8_u offset=0x38c00 (i32.load8_u offset=0x40002 (local.get $p))) (i32.const 1))
                   (i32.shr_u (i32.load8_u offset=0x38c00 (i32.load8_u offset=0x40003 (local.get $p))) (i32.const 1)))))
        (local.set $s (local.get $p))
        (block $sdone
          (loop $back
            (br_if $sdone (i32.le_s (local.get $s) (i32.const 0)))
            (local.set $d (i32.load8_u offset=0x38c00 (i32.load8_u offset=0x3ffff (local.get $s))))
            (br_if $sdone (i32.eqz (local.get $d)))
            (local.set $digits (i32.add (local.get $digits) (i32.shr_u (local.get $d) (i32.const 1))))
            (local.set $s (i32.sub (local.get $s) (i32.const 1)))
            (br $back)))
        (local.set $e (i32.add (local.get $p) (i32.const 4)))
        (block $edone
          (loop $fwd
            (br_if $edone (i32.ge_s (local.get $e) (local.get $n)))
            (local.set $d (i32.load8_u offset=0x38c00 (i32.load8_u offset=0x40000 (local.get $e))))
            (br_if $edone (i32.eqz (local.get $d)))
            (local.set $digits (i32.add (local.get $digits) (i32.shr_u (local.get $d) (i32.const 1))))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $fwd)))
        (if (i32.ge_s (local.get $digits) (i32.const 8))
          (then
            (if (i32.ge_u (local.get $k) (i32.const 0x7ffe)) (then (return (i32.const -1))))
            (i32.store offset=0x24c000 (i32.shl (local.get $k) (i32.const 2)) (local.get $s))
            (i32.store offset=0x24c004 (i32.shl (local.get $k) (i32.const 2)) (local.get $e))
            (local.set $k (i32.add (local.get $k) (i32.const 2)))))
        (local.set $past (i32.shr_u (i32.add (local.get $e) (i32.const 3)) (i32.const 2)))
        (br $next)))
    (local.get $k))

  ;; Letters that may stand in for Latin ones inside a token (engine.ts hands the text to
  ;; foldUnicode for them): a Greek, Cyrillic or Armenian lead byte (0xce-0xd6) right after
  ;; an ASCII letter, digit, `_` or `-`, or before one (past its continuation byte); a Latin
  ;; letter with accents (0xc3-0xca) so next to an ASCII digit, capital, `_` or `-`; a dash
  ;; (U+2010-U+2015, U+2212) next to an ASCII letter or digit. Over words 0..nw-1 of TEXT
  ;; (and the bytes after them: at worst a stale byte makes a needless fold); sets $look.
  ;; Classes per vector: d digit or capital, l lower case, j `_` or `-`.
  (func (export "lookalikes") (param $nw i32)
    (local $p i32) (local $end i32) (local $v v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $acc v128)
    (local $d0 v128) (local $l0 v128) (local $j0 v128) (local $d2 v128) (local $l2 v128) (local $j2 v128) (local $a3 v128)
    (local $cont v128) (local $dash0 v128) (local $dash1 v128)
    (local.set $p (i32.const 0x40000))
    (local.set $end (i32.add (i32.const 0x40000) (i32.shl (local.get $nw) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; a look-alike's or a dash's lead byte at p..p+18 is in p's 16 bytes or p+3's: else nothing here
        (local.set $v (v128.load (local.get $p)))
        (local.set $v3 (v128.load offset=3 (local.get $p)))
        (if (v128.any_true (v128.or (v128.or (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 195 195 195 195 195 195 195 195 195 195 195 195 195 195 195 195)) (v128.const i8x16 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20)) (i8x16.eq (local.get $v) (v128.const i8x16 226 226 226 226 226 226 226 226 226 226 226 226 226 226 226 226)))
                                    (v128.or (i8x16.lt_u (i8x16.sub (local.get $v3) (v128.const i8x16 195 195 195 195 195 195 195 195 195 195 195 195 195 195 195 195)) (v128.const i8x16 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20)) (i8x16.eq (local.get $v3) (v128.const i8x16 226 226 226 226 226 226 226 226 226 226 226 226 226 226 226 226)))))
          (then
            (local.set $v1 (v128.load offset=1 (local.get $p)))
            (local.set $v2 (v128.load offset=2 (local.get $p)))
            (local.set $d0 (v128.or (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48)) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10)) (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 65 65 65 65 65 65 65 65 65 65 65 65 65 65 65 65)) (v128.const i8x16 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26))))
            (local.set $l0 (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97)) (v128.const i8x16 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26)))
            (local.set $j0 (v128.or (i8x16.eq (local.get $v) (v128.const i8x16 95 95 95 95 95 95 95 95 95 95 95 95 95 95 95 95)) (i8x16.eq (local.get $v) (v128.const i8x16 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45))))
            (local.set $d2 (v128.or (i8x16.lt_u (i8x16.sub (local.get $v2) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48)) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10)) (i8x16.lt_u (i8x16.sub (local.get $v2) (v128.const i8x16 65 65 65 65 65 65 65 65 65 65 65 65 65 65 65 65)) (v128.const i8x16 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26))))
            (local.set $l2 (i8x16.lt_u (i8x16.sub (local.get $v2) (v128.const i8x16 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97)) (v128.const i8x16 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26)))
            (local.set $j2 (v128.or (i8x16.eq (local.get $v2) (v128.const i8x16 95 95 95 95 95 95 95 95 95 95 95 95 95 95 95 95)) (i8x16.eq (local.get $v2) (v128.const i8x16 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45))))
            (local.set $a3 (v128.or (v128.or (i8x16.lt_u (i8x16.sub (local.get $v3) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48)) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10)) (i8x16.lt_u (i8x16.sub (local.get $v3) (v128.const i8x16 65 65 65 65 65 65 65 65 65 65 65 65 65 65 65 65)) (v128.const i8x16 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26))) (i8x16.lt_u (i8x16.sub (local.get $v3) (v128.const i8x16 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97)) (v128.const i8x16 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26))))
            (local.set $cont (i8x16.lt_u (i8x16.sub (local.get $v1) (v128.const i8x16 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128)) (v128.const i8x16 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64)))
            ;; a dash sequence starting at p (dash0) or at p+1 (dash1)
            (local.set $dash0 (v128.and (i8x16.eq (local.get $v) (v128.const i8x16 226 226 226 226 226 226 226 226 226 226 226 226 226 226 226 226)) (v128.or (v128.and (i8x16.eq (local.get $v1) (v128.const i8x16 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128)) (i8x16.lt_u (i8x16.sub (local.get $v2) (v128.const i8x16 144 144 144 144 144 144 144 144 144 144 144 144 144 144 144 144)) (v128.const i8x16 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6)))
                                                            (v128.and (i8x16.eq (local.get $v1) (v128.const i8x16 136 136 136 136 136 136 136 136 136 136 136 136 136 136 136 136)) (i8x16.eq (local.get $v2) (v128.const i8x16 146 146 146 146 146 146 146 146 146 146 146 146 146 146 146 146))))))
            (local.set $dash1 (v128.and (i8x16.eq (local.get $v1) (v128.const i8x16 226 226 226 226 226 226 226 226 226 226 226 226 226 226 226 226)) (v128.or (v128.and (i8x16.eq (local.get $v2) (v128.const i8x16 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128)) (i8x16.lt_u (i8x16.sub (local.get $v3) (v128.const i8x16 144 144 144 144 144 144 144 144 144 144 144 144 144 144 144 144)) (v128.const i8x16 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6)))
                                                             (v128.and (i8x16.eq (local.get $v2) (v128.const i8x16 136 136 136 136 136 136 136 136 136 136 136 136 136 136 136 136)) (i8x16.eq (local.get $v3) (v128.const i8x16 146 146 146 146 146 146 146 146 146 146 146 146 146 146 146 146))))))
            (local.set $acc (v128.or (local.get $acc) (v128.or
              (v128.or
                ;; Greek, Cyrillic, Armenian: after a token's ASCII, or before one
                (v128.and (v128.or (v128.or (local.get $d0) (local.get $l0)) (local.get $j0)) (i8x16.lt_u (i8x16.sub (local.get $v1) (v128.const i8x16 206 206 206 206 206 206 206 206 206 206 206 206 206 206 206 206)) (v128.const i8x16 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9)))
                (v128.and (v128.and (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 206 206 206 206 206 206 206 206 206 206 206 206 206 206 206 206)) (v128.const i8x16 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9)) (local.get $cont)) (v128.or (v128.or (local.get $d2) (local.get $l2)) (local.get $j2))))
              (v128.or
                ;; accented Latin: after a digit, capital, `_` or `-`, or before one
                (v128.and (v128.or (local.get $d0) (local.get $j0)) (i8x16.lt_u (i8x16.sub (local.get $v1) (v128.const i8x16 195 195 195 195 195 195 195 195 195 195 195 195 195 195 195 195)) (v128.const i8x16 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8)))
                (v128.or
                  (v128.and (v128.and (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 195 195 195 195 195 195 195 195 195 195 195 195 195 195 195 195)) (v128.const i8x16 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8)) (local.get $cont)) (v128.or (local.get $d2) (local.get $j2)))
                  ;; dashes: after an ASCII letter or digit, or before one
                  (v128.or (v128.and (v128.or (local.get $d0) (local.get $l0)) (local.get $dash1))
                           (v128.and (local.get $dash0) (local.get $a3))))))))
            (br_if $done (v128.any_true (local.get $acc)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (if (v128.any_true (local.get $acc)) (then (global.set $look (i32.const 1)))))

  ;; Whether `lookalikes` found such a byte since the last reset.
  (func (export "lookalikeSeen") (result i32) (global.get $look))

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
        ;; appended branch-free (a fifth of the probes pass, in no pattern a predictor learns)
        (i32.store offset=0x12b000 (i32.shl (local.get $ks) (i32.const 2)) (local.get $j))
        (local.set $ks (i32.add (local.get $ks) (i32.and
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
                  (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 10)))
        (local.set $p (i32.add (local.get $p) (i32.const 40)))
        (br $next)))
    (i32.store offset=0x38118 (i32.const 0) (local.get $ks)))

  ;; word-runs.ts wordRuns over the seed-phrase probes OUT_SEED[0..ns) of a text held whole
  ;; in TEXT (n bytes): each probe's word start (wordStart, nonLetters), the word looked up (wordAt: WSYM,
  ;; WSLOT, WLEN, WTAIL) and, when it is a wordlist word, the run through it (runAt). Runs of
  ;; 12+ words go to OUT_WRUNS as [count, then start, end, wordlist index per word]; returns
  ;; their ints, or -1 when they do not fit (the caller then runs the JavaScript twin).
  (func (export "wruns") (param $n i32) (param $ns i32) (result i32)
    (local $i i32) (local $j i32) (local $done i32) (local $s i32) (local $w i64) (local $x i64) (local $k i32) (local $c i32) (local $ok i32) (local $x2 i32)
    (global.set $wk (i32.const 0))
    ;; First the probes whose word can be a wordlist word, kept in place without a branch (most
    ;; are not: a branch per probe on that mispredicts): not glued to a letter before it, 3 to 8
    ;; letters long, the key of its first four symbols and its length in WBLOOM. A probe left out would
    ;; find no word, and the byte it would let looking resume at is before the next probe's.
    (block $kept
      (loop $probe
        (br_if $kept (i32.ge_u (local.get $i) (local.get $ns)))
        (local.set $j (i32.load offset=0x12b000 (i32.shl (local.get $i) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        ;; wordStart, as below
        (local.set $w (i64.load offset=0x3fffc (i32.shl (local.get $j) (i32.const 2))))
        (local.set $x (i64.and (i64.or (local.get $w) (i64.const 0x2020202020202020)) (i64.const 0x7f7f7f7f7f7f7f7f)))
        (local.set $x (i64.and
          (i64.xor
            (i64.and (i64.and (i64.add (local.get $x) (i64.const 0x1f1f1f1f1f1f1f1f))
                              (i64.xor (i64.add (local.get $x) (i64.const 0x0505050505050505)) (i64.const -1)))
                     (i64.xor (local.get $w) (i64.const -1)))
            (i64.const -1))
          (i64.const 0x8080808080808080)))
        (local.set $s (i32.add (i32.sub (i32.shl (local.get $j) (i32.const 2)) (i32.const 4))
          (select (i32.add (i32.shr_u (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $x)))) (i32.const 3)) (i32.const 1))
                  (i32.const 0)
                  (i64.ne (local.get $x) (i64.const 0)))))
        ;; not glued; then runAt's start (past a separator's second byte)
        (local.set $ok (i32.ge_u (i32.load8_u offset=0x159000 (i32.load8_u offset=0x3ffff (local.get $s))) (i32.const 26)))
        (local.set $s (i32.add (local.get $s) (i32.ge_u (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40000 (local.get $s))) (i32.const 26))))
        ;; the length of its letters (L: bytes before the first non-letter; 9 for more than 8)
        (local.set $w (i64.load offset=0x40000 (local.get $s)))
        (local.set $x (i64.and (i64.or (local.get $w) (i64.const 0x2020202020202020)) (i64.const 0x7f7f7f7f7f7f7f7f)))
        (local.set $x (i64.and
          (i64.xor
            (i64.and (i64.and (i64.add (local.get $x) (i64.const 0x1f1f1f1f1f1f1f1f))
                              (i64.xor (i64.add (local.get $x) (i64.const 0x0505050505050505)) (i64.const -1)))
                     (i64.xor (local.get $w) (i64.const -1)))
            (i64.const -1))
          (i64.const 0x8080808080808080)))
        (local.set $c (select (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $x)) (i64.const 3)))
                              (i32.add (i32.const 8) (i32.lt_u (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40008 (local.get $s))) (i32.const 26)))
                              (i64.ne (local.get $x) (i64.const 0))))
        ;; wordAt's key (a wordlist word's: its first three symbols letters, the fourth SEP for a
        ;; 3-letter word), and that word's length: their bit in WBLOOM
        (local.set $k (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul
          (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40000 (local.get $s))) (i32.const 28))
          (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40001 (local.get $s)))) (i32.const 28))
          (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40002 (local.get $s)))) (i32.const 28))
          (select (i32.const 26) (local.tee $x2 (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40003 (local.get $s))))
                  (i32.ge_u (local.get $x2) (i32.const 26)))))
        (local.set $ok (i32.and (local.get $ok) (i32.lt_u (i32.sub (local.get $c) (i32.const 3)) (i32.const 6))))
        (local.set $k (i32.shr_u (i32.mul (i32.add (local.get $k) (i32.shl (local.get $c) (i32.const 20))) (i32.const 0x9e3779b1)) (i32.const 17)))
        (local.set $ok (i32.and (local.get $ok)
          (i32.shr_u (i32.load offset=0x162000 (i32.shl (i32.shr_u (local.get $k) (i32.const 5)) (i32.const 2))) (local.get $k))))
        (i32.store offset=0x12b000 (i32.shl (local.get $done) (i32.const 2)) (local.get $j))
        (local.set $done (i32.add (local.get $done) (i32.and (local.get $ok) (i32.const 1))))
        (br $probe)))
    (local.set $ns (local.get $done))
    (local.set $done (i32.const 0))
    (local.set $i (i32.const 0))
    (block $end
      (loop $next
        (br_if $end (i32.ge_u (local.get $i) (local.get $ns)))
        (local.set $j (i32.load offset=0x12b000 (i32.shl (local.get $i) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_s (i32.shl (local.get $j) (i32.const 2)) (local.get $done)))
        ;; wordStart: after the last non-letter of word j, else of word j - 1, else at word j - 1
        ;; (nonLetters over both words as one 64-bit word: no lane carries past its byte)
        (local.set $w (i64.load offset=0x3fffc (i32.shl (local.get $j) (i32.const 2))))
        (local.set $x (i64.and (i64.or (local.get $w) (i64.const 0x2020202020202020)) (i64.const 0x7f7f7f7f7f7f7f7f)))
        (local.set $x (i64.and
          (i64.xor
            (i64.and (i64.and (i64.add (local.get $x) (i64.const 0x1f1f1f1f1f1f1f1f))
                              (i64.xor (i64.add (local.get $x) (i64.const 0x0505050505050505)) (i64.const -1)))
                     (i64.xor (local.get $w) (i64.const -1)))
            (i64.const -1))
          (i64.const 0x8080808080808080)))
        (local.set $s (i32.add (i32.sub (i32.shl (local.get $j) (i32.const 2)) (i32.const 4))
          (select (i32.add (i32.shr_u (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $x)))) (i32.const 3)) (i32.const 1))
                  (i32.const 0)
                  (i64.ne (local.get $x) (i64.const 0)))))
        ;; a word glued to the letters before it is longer than 8: no wordlist word
        (local.set $done
          (if (result i32) (i32.lt_u (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40000 (i32.sub (local.get $s) (i32.const 1)))) (i32.const 26))
            (then (i32.add (i32.shl (local.get $j) (i32.const 2)) (i32.const 4)))
            (else (call $wrun (local.get $n) (local.get $s)))))
        (br_if $next (i32.ge_s (global.get $wk) (i32.const 0)))))
    (global.get $wk))

  ;; word-runs.ts wordAt: the wordlist index of the word that starts at byte s, or -1. A
  ;; wordlist word's letters run 3 to 8 bytes (L) from s and its key (first four symbols,
  ;; the fourth SEP for three letters) and length have their bit in WBLOOM; then the key
  ;; finds the one candidate in WSLOT ((key + 1) | index << 20, open addressing), whose
  ;; length must be L and whose other letters (WTAIL: 0-25 a letter) are compared four at once.
  (func $wordAt (param $s i32) (result i32)
    (local $c i32) (local $k i32) (local $slot i32) (local $v i32) (local $w i32) (local $len i32) (local $ok i32)
    (local $b i64) (local $x i64)
    (local.set $b (i64.load offset=0x40000 (local.get $s)))
    (local.set $x (i64.and (i64.or (local.get $b) (i64.const 0x2020202020202020)) (i64.const 0x7f7f7f7f7f7f7f7f)))
    (local.set $x (i64.and
      (i64.xor
        (i64.and (i64.and (i64.add (local.get $x) (i64.const 0x1f1f1f1f1f1f1f1f))
                          (i64.xor (i64.add (local.get $x) (i64.const 0x0505050505050505)) (i64.const -1)))
                 (i64.xor (local.get $b) (i64.const -1)))
        (i64.const -1))
      (i64.const 0x8080808080808080)))
    (local.set $len (select (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $x)) (i64.const 3)))
                            (i32.add (i32.const 8) (i32.lt_u (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40008 (local.get $s))) (i32.const 26)))
                            (i64.ne (local.get $x) (i64.const 0))))
    (local.set $k (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul
      (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40000 (local.get $s))) (i32.const 28))
      (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40001 (local.get $s)))) (i32.const 28))
      (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40002 (local.get $s)))) (i32.const 28))
      (select (i32.const 26) (local.tee $c (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40003 (local.get $s))))
              (i32.ge_u (local.get $c) (i32.const 26)))))
    (local.set $c (i32.shr_u (i32.mul (i32.add (local.get $k) (i32.shl (local.get $len) (i32.const 20))) (i32.const 0x9e3779b1)) (i32.const 17)))
    (if (i32.eqz (i32.and (i32.lt_u (i32.sub (local.get $len) (i32.const 3)) (i32.const 6))
                          (i32.shr_u (i32.load offset=0x162000 (i32.shl (i32.shr_u (local.get $c) (i32.const 5)) (i32.const 2))) (local.get $c))))
      (then (return (i32.const -1))))
    (local.set $slot (i32.shr_u (i32.mul (local.get $k) (i32.const 0x9e3779b1)) (i32.const 20)))
    (local.set $k (i32.add (local.get $k) (i32.const 1)))
    (block $found
      (loop $probe
        (local.set $v (i32.load offset=0x15e000 (i32.shl (local.get $slot) (i32.const 2))))
        (if (i32.eqz (local.get $v)) (then (return (i32.const -1))))
        (br_if $found (i32.eq (i32.and (local.get $v) (i32.const 0xfffff)) (local.get $k)))
        (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (i32.const 4095)))
        (br $probe)))
    (local.set $w (i32.shr_u (local.get $v) (i32.const 20)))
    ;; letters 5-8 (bytes s + 4.., all letters up to L): folded, less 'a', against the word's, its length's bytes only
    (local.set $ok (i32.and
      (i32.eq (i32.load8_u offset=0x159100 (local.get $w)) (local.get $len))
      (i32.eqz (i32.and
        (i32.xor (i32.sub (i32.or (i32.wrap_i64 (i64.shr_u (local.get $b) (i64.const 32))) (i32.const 0x20202020)) (i32.const 0x61616161))
                 (i32.load offset=0x15a004 (i32.shl (local.get $w) (i32.const 3))))
        (i32.wrap_i64 (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u
          (select (i32.shl (i32.sub (local.get $len) (i32.const 4)) (i32.const 3)) (i32.const 0) (i32.gt_u (local.get $len) (i32.const 4)))))
          (i64.const 1)))))))
    (select (local.get $w) (i32.const -1) (local.get $ok)))

  ;; word-runs.ts gapBefore: separator bytes ending at ws (a word's start): 1, 2 or 0.
  (func $gapBefore (param $ws i32) (result i32)
    (local $c i32)
    (if (i32.lt_s (local.get $ws) (i32.const 4)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40000 (i32.sub (local.get $ws) (i32.const 1)))) (i32.const 26)) (then (return (i32.const 0))))
    (local.set $c (i32.load8_u offset=0x3fffe (local.get $ws)))
    (select (i32.const 2) (i32.const 1)
      (i32.and (i32.or (i32.eq (local.get $c) (i32.const 44)) (i32.eq (local.get $c) (i32.const 13)))
               (i32.ne (local.get $c) (i32.load8_u offset=0x3ffff (local.get $ws))))))

  ;; word-runs.ts gapAfter: separator bytes starting at we (a word's end): 1, 2 or 0.
  (func $gapAfter (param $n i32) (param $we i32) (result i32)
    (local $c i32)
    (if (i32.ge_s (i32.add (local.get $we) (i32.const 1)) (local.get $n)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40000 (local.get $we))) (i32.const 26)) (then (return (i32.const 0))))
    (local.set $c (i32.load8_u offset=0x40000 (local.get $we)))
    (select (i32.const 2) (i32.const 1)
      (i32.and
        (i32.and (i32.or (i32.eq (local.get $c) (i32.const 44)) (i32.eq (local.get $c) (i32.const 13)))
                 (i32.lt_s (i32.add (local.get $we) (i32.const 2)) (local.get $n)))
        (i32.and (i32.eq (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40000 (i32.add (local.get $we) (i32.const 1)))) (i32.const 26))
                 (i32.ne (i32.load8_u offset=0x40001 (local.get $we)) (local.get $c))))))

  ;; word-runs.ts runAt: the run through the word at start (or after it, past the second byte
  ;; of a two-byte separator), written out (collect) when it has 12+ words. Returns the byte
  ;; where looking can resume.
  (func $wrun (param $n i32) (param $start i32) (result i32)
    (local $s i32) (local $w i32) (local $first i32) (local $count i32) (local $pe i32) (local $ps i32) (local $i i32) (local $last i32) (local $ns i32)
    (local.set $s (select (local.get $start) (i32.add (local.get $start) (i32.const 1))
      (i32.lt_u (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40000 (local.get $start))) (i32.const 26))))
    (local.set $w (call $wordAt (local.get $s)))
    (if (i32.lt_s (local.get $w) (i32.const 0)) (then (return (i32.add (local.get $s) (i32.const 1)))))
    (local.set $first (local.get $s))
    (local.set $count (i32.const 1))
    (block $left
      (loop $word
        (local.set $pe (i32.sub (local.get $first) (call $gapBefore (local.get $first))))
        (br_if $left (i32.eq (local.get $pe) (local.get $first)))
        (local.set $ps (local.get $pe))
        (block $sdone
          (loop $back
            (br_if $sdone (i32.le_s (local.get $ps) (i32.const 0)))
            (br_if $sdone (i32.gt_s (i32.sub (local.get $pe) (local.get $ps)) (i32.const 8)))
            (br_if $sdone (i32.ge_u (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40000 (i32.sub (local.get $ps) (i32.const 1)))) (i32.const 26)))
            (local.set $ps (i32.sub (local.get $ps) (i32.const 1)))
            (br $back)))
        (local.set $i (call $wordAt (local.get $ps)))
        (br_if $left (i32.lt_s (local.get $i) (i32.const 0)))
        (br_if $left (i32.ne (i32.add (local.get $ps) (i32.load8_u offset=0x159100 (local.get $i))) (local.get $pe)))
        (if (i32.gt_s (local.get $ps) (i32.const 0))
          (then (br_if $left (i32.lt_u (i32.load8_u offset=0x159000 (i32.load8_u offset=0x40000 (i32.sub (local.get $ps) (i32.const 1)))) (i32.const 26)))))
        (local.set $first (local.get $ps))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (br $word)))
    (local.set $last (i32.add (local.get $s) (i32.load8_u offset=0x159100 (local.get $w))))
    (block $right
      (loop $word
        (local.set $ns (i32.add (local.get $last) (call $gapAfter (local.get $n) (local.get $last))))
        (br_if $right (i32.eq (local.get $ns) (local.get $last)))
        (local.set $i (call $wordAt (local.get $ns)))
        (br_if $right (i32.lt_s (local.get $i) (i32.const 0)))
        (local.set $last (i32.add (local.get $ns) (i32.load8_u offset=0x159100 (local.get $i))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (br $word)))
    (if (i32.ge_s (local.get $count) (i32.const 12)) (then (call $collect (local.get $n) (local.get $first) (local.get $count))))
    (local.get $last))

  ;; word-runs.ts collect: the count words of the run that starts at s (already checked), to
  ;; OUT_WRUNS at $wk; $wk -1 when they do not fit.
  (func $collect (param $n i32) (param $s i32) (param $count i32)
    (local $k i32) (local $i i32) (local $w i32) (local $we i32)
    (local.set $k (global.get $wk))
    (if (i32.gt_s (i32.add (i32.add (local.get $k) (i32.const 1)) (i32.mul (local.get $count) (i32.const 3))) (i32.const 47104))
      (then (global.set $wk (i32.const -1)) (return)))
    (i32.store offset=0x163000 (i32.shl (local.get $k) (i32.const 2)) (local.get $count))
    (local.set $k (i32.add (local.get $k) (i32.const 1)))
    (block $done
      (loop $word
        (br_if $done (i32.ge_s (local.get $i) (local.get $count)))
        (local.set $w (call $wordAt (local.get $s)))
        (local.set $we (i32.add (local.get $s) (i32.load8_u offset=0x159100 (local.get $w))))
        (i32.store offset=0x163000 (i32.shl (local.get $k) (i32.const 2)) (local.get $s))
        (i32.store offset=0x163004 (i32.shl (local.get $k) (i32.const 2)) (local.get $we))
        (i32.store offset=0x163008 (i32.shl (local.get $k) (i32.const 2)) (local.get $w))
        (local.set $k (i32.add (local.get $k) (i32.const 3)))
        (local.set $s (i32.add (local.get $we) (call $gapAfter (local.get $n) (local.get $we))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $word)))
    (global.set $wk (local.get $k)))
)
