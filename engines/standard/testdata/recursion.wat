;; A small recursive program for snapshot/restore tests: values of every
;; type on the operand stack across calls, memory and globals written.
(module
  (memory (export "memory") 1 2)
  (global $g (mut i64) (i64.const 0))
  (table 2 funcref)
  (elem (i32.const 0) $fib $sum)
  (type $t (func (param i32) (result i64)))

  (func $fib (param $n i32) (result i64)
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.extend_i32_u (local.get $n)))
      (else
        (i64.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call_indirect (type $t) (i32.sub (local.get $n) (i32.const 2)) (i32.const 0))))))

  ;; sum keeps an f32, an f64 and a funcref live across its recursive call.
  (func $sum (param $n i32) (result i64)
    (local $r funcref) (local $s i64) (local $t i64)
    (local.set $r (ref.func $fib))
    (if (result i64) (i32.eqz (local.get $n))
      (then (i64.const 0))
      (else
        (f32.const 1.5)
        (f64.const 2.25)
        (ref.func $sum)
        (local.set $s (call $sum (i32.sub (local.get $n) (i32.const 1))))
        (global.set $g (i64.add (global.get $g) (i64.const 1)))
        (i32.store (i32.mul (local.get $n) (i32.const 4)) (local.get $n))
        (drop)
        (local.set $t (i64.trunc_f64_s))
        (i64.trunc_f32_s)
        (i64.add (local.get $t))
        (i64.add (local.get $s))
        (i64.add (i64.extend_i32_u (local.get $n))))))

  (func (export "run") (param $n i32) (result i64)
    (i64.add (call $fib (local.get $n))
      (call_indirect (type $t) (local.get $n) (i32.const 1))))

  ;; deep recurses forever: call stack exhausted.
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))

  ;; wide recurses with a large frame: the value stack's bound.
  (func $wide (export "wide") (param i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (i32.add (call $wide (local.get 0)) (i32.const 1)))
)
