;; Traps inside fused operations of the threaded engine's fast variant:
;; the state at the trapping instruction must be the one the stack maps
;; describe (here: the address in r0 for a load that computed it).
(module
  (memory 1)
  ;; i32.load of (a + b): traps when a + b + 4 > 65536.
  (func (export "load") (param $a i32) (param $b i32) (result i32)
    i32.const 7
    local.get $a
    local.get $b
    i32.add
    i32.load offset=0
    i32.add)
  ;; f64.load likewise, with an f64 operand below.
  (func (export "loadf") (param $a i32) (param $b i32) (result f64)
    f64.const 2.5
    local.get $a
    local.get $b
    i32.add
    f64.load offset=8
    f64.add)
  ;; i32.store8 of a constant at (a + b), an i64.store of a local.
  (func (export "store") (param $a i32) (param $b i32) (param $v i64) (result i32)
    local.get $a
    local.get $b
    i32.add
    i32.const 9
    i32.store8 offset=3
    local.get $a
    local.get $b
    i32.add
    local.get $v
    i64.store offset=16
    local.get $a
    i32.load8_u offset=3)
  ;; integer division by zero whose result would go straight to a local.
  (func (export "div") (param $a i32) (param $b i32) (result i32) (local $q i32)
    local.get $a
    local.get $b
    i32.div_u
    local.set $q
    local.get $q))
