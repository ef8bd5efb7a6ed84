;; Stores around a host call whose callback (a nested Call) stores to the
;; same address: SetStoreWatch stops at g's stores, never in h. k's add
;; and local.set are one operation in the fast variant: a run stopped
;; between them by a limit, before the watch is set, must still stop at
;; the store.
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (memory 1)
  (func (export "g") (param i32) (result i32)
    i32.const 16
    local.get 0
    i32.store
    local.get 0
    call $f
    drop
    i32.const 16
    i32.const 5
    i32.store8 offset=2
    i32.const 16
    i32.load)
  (func (export "h") (param i32) (result i32)
    i32.const 16
    local.get 0
    i32.store16 offset=1
    local.get 0)
  (func (export "k") (param i32) (local i32)
    local.get 0
    i32.const 1
    i32.add
    local.set 1
    i32.const 16
    local.get 1
    i32.store))
