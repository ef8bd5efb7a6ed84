;; Control-flow examples whose instruction counts are derived by hand in
;; counting_test.go (docs/execution-model.md).
(module
  (import "env" "host" (func $host (param i32) (result i32)))

  ;; loop(n): loop(1) + n * 8 (body) + end(1) + local.get(1) + end(1)
  (func (export "loop") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))

  ;; ifelse(c): local.get, if, then: i32.const, i32.const, i32.add, else
  ;; (jumps past end) = 6, then the final end: 7. else-arm: local.get, if,
  ;; i32.const, end (of the if), end = 5.
  (func (export "ifelse") (param $c i32) (result i32)
    (if (result i32) (local.get $c)
      (then (i32.add (i32.const 1) (i32.const 2)))
      (else (i32.const 2))))

  ;; ifnoelse(c): local.get, if, [true: nop, end], end: 5 or 3.
  (func (export "ifnoelse") (param $c i32)
    (if (local.get $c) (then (nop))))

  ;; br: block, block, i32.const, br (skips both ends), end = 5
  (func (export "br") (result i32)
    (block $a (result i32)
      (block $b
        (i32.const 7)
        (br $a))
      (i32.const 0)))

  ;; brtable(i): block, block, block, local.get, br_table, then
  ;; i=0: i32.const 10, return = 7
  ;; i=1: i32.const 11, return = 7
  ;; other: (the default, the outer block) i32.const 12, end = 7
  (func (export "brtable") (param $i i32) (result i32)
    (block $default
      (block $one
        (block $zero
          (br_table $zero $one $default (local.get $i)))
        (return (i32.const 10)))
      (return (i32.const 11)))
    (i32.const 12))

  ;; calls: local.get, call $double (1) + its 4 (local.get, local.get,
  ;; i32.add, end), call $host (1, atomic), end = 8
  (func $double (param i32) (result i32)
    (i32.add (local.get 0) (local.get 0)))
  (func (export "calls") (param i32) (result i32)
    (call $host (call $double (local.get 0))))

  ;; brfunc: i32.const, i32.const, br_if 0 (to the function label: returns)
  ;; = 3
  (func (export "brfunc") (result i32)
    (i32.const 5)
    (br_if 0 (i32.const 1))
    (drop)
    (i32.const 6))

  ;; forever spins until interrupted.
  (func (export "forever")
    (loop $l (br $l)))

  ;; trapdiv: i32.const, i32.const, i32.div_u traps: counter +2.
  (func (export "trapdiv") (result i32)
    (i32.div_u (i32.const 1) (i32.const 0)))
)
