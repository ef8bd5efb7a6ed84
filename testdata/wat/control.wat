;; control: structured control flow for stepping and snapshot tests.
;; Nested blocks that carry results, br_table, loops with and without
;; values, if/else with parameters and several results, br_if carrying a
;; value, select, return from inside nested blocks.
;;
;; run(n) folds classify, divmod and collatz over 0..n-1 into a checksum.
(module
  (type $pair (func (param i32 i32) (result i32 i32)))

  ;; classify maps x to a small code through a br_table over x mod 5;
  ;; every arm leaves a different value for the enclosing blocks.
  (func $classify (param $x i32) (result i32)
    (block $out (result i32)
      (block $d4
        (block $d3
          (block $d2
            (block $d1
              (block $d0
                (br_table $d0 $d1 $d2 $d3 $d4
                  (i32.rem_u (local.get $x) (i32.const 5))))
              ;; x mod 5 == 0
              (br $out (i32.const 100)))
            ;; 1: a value carried out of two blocks by br_if
            (br_if $out (i32.const 201) (i32.and (local.get $x) (i32.const 1)))
            (br $out (i32.const 200)))
          ;; 2: nested blocks with results
          (br $out
            (i32.add
              (block (result i32)
                (block (result i32) (i32.const 300))
                (i32.const 1)
                (i32.add))
              (local.get $x))))
        ;; 3: return from deep inside
        (if (i32.gt_u (local.get $x) (i32.const 10))
          (then (return (i32.const 400))))
        (br $out (i32.const 401)))
      ;; 4
      (i32.const 500)))

  ;; divmod takes and returns two values through an if with a block type
  ;; that has parameters and several results.
  (func $divmod (type $pair) (param $a i32) (param $b i32) (result i32 i32)
    (local.get $a)
    (local.get $b)
    (if (type $pair) (i32.eqz (local.get $b))
      (then (drop) (drop) (i32.const 0) (i32.const 0))
      (else
        (call $qr))))

  (func $qr (param $a i32) (param $b i32) (result i32 i32)
    (i32.div_u (local.get $a) (local.get $b))
    (i32.rem_u (local.get $a) (local.get $b)))

  ;; collatz counts steps to reach 1 with a loop whose body is an if/else
  ;; and whose exit is a br_if out of an enclosing block.
  (func $collatz (param $x i32) (result i32)
    (local $steps i32)
    (if (i32.eqz (local.get $x)) (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.eq (local.get $x) (i32.const 1)))
        (local.set $x
          (if (result i32) (i32.and (local.get $x) (i32.const 1))
            (then (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.const 1)))
            (else (i32.shr_u (local.get $x) (i32.const 1)))))
        (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
        (br $next)))
    (local.get $steps))

  ;; sum3 is a loop with a parameter and a result: it consumes and
  ;; produces a value on every iteration.
  (func $sum3 (param $n i32) (result i32)
    (local $i i32)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (i32.add (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))

  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $acc i32) (local $q i32) (local $r i32)
    (block $end
      (loop $top
        (br_if $end (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc
          (i32.add
            (i32.mul (local.get $acc) (i32.const 31))
            (call $classify (local.get $i))))
        (call $divmod (i32.mul (local.get $i) (i32.const 7)) (i32.rem_u (local.get $i) (i32.const 4)))
        (local.set $r)
        (local.set $q)
        (local.set $acc
          (i32.xor (local.get $acc)
            (select (local.get $q) (local.get $r) (i32.gt_u (local.get $q) (local.get $r)))))
        (local.set $acc (i32.add (local.get $acc) (call $collatz (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (i32.add (local.get $acc) (call $sum3 (local.get $n))))
)
