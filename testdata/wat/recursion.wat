;; recursion: deep and branching call stacks for snapshot tests (a
;; checkpoint taken many frames down must restore every frame).
;;
;; run(n) combines fact(n) (i64), ackermann(2, n), mutual recursion
;; (is_even) and a recursive sum with a float accumulator.
(module
  (func $fact (param $n i64) (result i64)
    (if (result i64) (i64.le_u (local.get $n) (i64.const 1))
      (then (i64.const 1))
      (else
        (i64.mul (local.get $n)
          (call $fact (i64.sub (local.get $n) (i64.const 1)))))))

  (func $ack (param $m i32) (param $n i32) (result i32)
    (if (i32.eqz (local.get $m))
      (then (return (i32.add (local.get $n) (i32.const 1)))))
    (if (i32.eqz (local.get $n))
      (then (return (call $ack (i32.sub (local.get $m) (i32.const 1)) (i32.const 1)))))
    (call $ack
      (i32.sub (local.get $m) (i32.const 1))
      (call $ack (local.get $m) (i32.sub (local.get $n) (i32.const 1)))))

  (func $is_even (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else (call $is_odd (i32.sub (local.get $n) (i32.const 1))))))

  (func $is_odd (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (call $is_even (i32.sub (local.get $n) (i32.const 1))))))

  ;; fsum returns sum_{k=1..n} 1/k, recursing with values of every type
  ;; live on the caller's operand stack across the call.
  (func $fsum (param $n i32) (result f64)
    (local $k f32) (local $s f64)
    (if (i32.eqz (local.get $n)) (then (return (f64.const 0))))
    (local.set $k (f32.convert_i32_u (local.get $n)))
    (i64.const 7)
    (f32.const 0.5)
    (f64.div (f64.const 1) (f64.promote_f32 (local.get $k)))
    (call $fsum (i32.sub (local.get $n) (i32.const 1)))
    (f64.add)
    (local.set $s)
    (drop)
    (i64.eq (i64.const 7))
    (f64.convert_i32_u)
    (f64.mul (local.get $s)))

  (func (export "run") (param $n i32) (result i64)
    (local $r i64)
    (local.set $r (call $fact (i64.extend_i32_u (local.get $n))))
    (local.set $r
      (i64.add (local.get $r)
        (i64.extend_i32_u (call $ack (i32.const 2) (local.get $n)))))
    (local.set $r
      (i64.add (i64.shl (local.get $r) (i64.const 1))
        (i64.extend_i32_u (call $is_even (i32.mul (local.get $n) (i32.const 3))))))
    (i64.add (local.get $r)
      (i64.trunc_f64_s (f64.mul (call $fsum (local.get $n)) (f64.const 1e6)))))
)
