;; The injection scanner's fast path (quick-clear.ts) over one segment, as one loop.
;; Memory: [0, 128) the character classes (CLASS of quick-clear.ts); the text at $text;
;; the automaton's ASCII table at $tab (i32, state * 128 + code), with every transition into
;; a state that ends a keyword written as -1 (wasm/quick-clear.ts folds `out` into it when
;; it copies the table in): one load a character, where a lookup of `out` after each step
;; made it two, through a call, and the loop 2.7 times slower. Returns -1 when the segment
;; may yield a finding (the full scan decides), else the automaton state after it, times
;; two, plus 1 when it ended on a blank.
;; Compiled bytes: quick-clear-wasm.ts (regenerate as its header says).
(module
  (memory (export "mem") 1)
  (func (export "segment")
    (param $text i32) (param $n i32) (param $tab i32) (param $state i32) (param $blank i32) (param $minRun i32)
    (result i32)
    (local $i i32) (local $c i32) (local $k i32) (local $run i32) (local $classes i32)
    (local $singles i32) (local $token i32) (local $tokenLetter i32) (local $gap i32) (local $gapSeps i32)
    (local.set $gapSeps (i32.const 1))
    (block $done
      (loop $next
        (if (i32.lt_u (local.get $i) (local.get $n))
          (then (local.set $c (i32.load8_u (i32.add (local.get $text) (local.get $i)))))
          (else (local.set $c (i32.const 32))))
        (if (i32.ge_u (local.get $c) (i32.const 0x80)) (then (return (i32.const -1))))
        (local.set $k (i32.load8_u (local.get $c)))
        ;; & (a character reference may follow)
        (if (i32.and (local.get $k) (i32.const 128)) (then (return (i32.const -1))))
        ;; a base64 run long enough to be decoded, with digits and both cases
        (if (i32.and (local.get $k) (i32.const 8))
          (then
            (local.set $run (i32.add (local.get $run) (i32.const 1)))
            (local.set $classes (i32.or (local.get $classes) (local.get $k))))
          (else
            (if (local.get $run)
              (then
                (if (i32.and (i32.ge_u (local.get $run) (local.get $minRun)) (i32.eq (i32.and (local.get $classes) (i32.const 7)) (i32.const 7)))
                  (then (return (i32.const -1))))
                (local.set $run (i32.const 0))
                (local.set $classes (i32.const 0))))))
        ;; letter-spaced words: four single letters in a row, one to three separators apart
        (if (i32.and (local.get $k) (i32.const 16))
          (then
            (if (i32.eqz (local.get $token))
              (then
                (if (i32.or (i32.or (i32.lt_u (local.get $gap) (i32.const 1)) (i32.gt_u (local.get $gap) (i32.const 3))) (i32.eqz (local.get $gapSeps)))
                  (then (local.set $singles (i32.const 0))))
                (local.set $tokenLetter (i32.eqz (i32.and (local.get $k) (i32.const 1))))))
            (local.set $token (i32.add (local.get $token) (i32.const 1))))
          (else
            (if (local.get $token)
              (then
                (local.set $singles
                  (select (i32.add (local.get $singles) (i32.const 1)) (i32.const 0)
                    (i32.and (i32.eq (local.get $token) (i32.const 1)) (local.get $tokenLetter))))
                (if (i32.ge_u (local.get $singles) (i32.const 4)) (then (return (i32.const -1))))
                (local.set $token (i32.const 0))
                (local.set $gap (i32.const 0))
                (local.set $gapSeps (i32.const 1))))
            (local.set $gap (i32.add (local.get $gap) (i32.const 1)))
            (if (i32.eqz (i32.and (local.get $k) (i32.const 32))) (then (local.set $gapSeps (i32.const 0))))))
        (br_if $done (i32.eq (local.get $i) (local.get $n)))
        ;; the keyword automaton, every run of blanks read as one space
        (if (i32.and (local.get $k) (i32.const 64))
          (then
            (if (i32.eqz (local.get $blank))
              (then
                (local.set $blank (i32.const 1))
                (local.set $state (i32.load (i32.add (local.get $tab) (i32.shl (i32.add (i32.shl (local.get $state) (i32.const 7)) (i32.const 32)) (i32.const 2)))))
                (if (i32.lt_s (local.get $state) (i32.const 0)) (then (return (i32.const -1)))))))
          (else
            (local.set $blank (i32.const 0))
            (local.set $state (i32.load (i32.add (local.get $tab) (i32.shl (i32.add (i32.shl (local.get $state) (i32.const 7)) (local.get $c)) (i32.const 2)))))
            (if (i32.lt_s (local.get $state) (i32.const 0)) (then (return (i32.const -1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (i32.eqz (local.get $blank))
      (then
        (local.set $blank (i32.const 1))
        (local.set $state (i32.load (i32.add (local.get $tab) (i32.shl (i32.add (i32.shl (local.get $state) (i32.const 7)) (i32.const 32)) (i32.const 2)))))
        (if (i32.lt_s (local.get $state) (i32.const 0)) (then (return (i32.const -1))))))
    (i32.or (i32.shl (local.get $state) (i32.const 1)) (local.get $blank))))
