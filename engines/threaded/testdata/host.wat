;; A host call in the middle of a function, and a function the host calls
;; back (a nested Call).
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (func (export "g") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add
    call $f
    i32.const 2
    i32.mul)
  (func (export "h") (param i32) (result i32)
    local.get 0
    i32.const 3
    i32.mul))
