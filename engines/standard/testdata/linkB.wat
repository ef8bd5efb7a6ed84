;; Imports linkA's function and table: calls through both.
(module
  (import "a" "f" (func $f (param i32) (result i32)))
  (import "a" "tab" (table $tab 2 funcref))
  (global $r (mut funcref) (ref.null func))
  (elem declare func $f)
  (func (export "run") (param i32) (result i32)
    ;; Slot 0 holds linkA's own reference: a call to another instance.
    (call_indirect $tab (param i32) (result i32) (local.get 0) (i32.const 0))
    ;; Slot 1 gets the reference of the import: the same function.
    (table.set $tab (i32.const 1) (ref.func $f))
    (global.set $r (ref.func $f))
    (call_indirect $tab (param i32) (result i32) (i32.const 1))
    (call $f)))
