;; Exports a function and a table holding it, for linkB.
(module
  (func $f (export "f") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (table (export "tab") 2 funcref)
  (elem (i32.const 0) $f))
