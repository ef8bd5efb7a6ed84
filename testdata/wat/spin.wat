;; spin: prints a line and the start of another, then loops forever
;; counting in a global. For the REPL test that interrupts a running
;; program with Ctrl-C: the stop line must start on a line of its own.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "spinning\nforever")
  (global $turns (mut i64) (i64.const 0))

  (func $spin
    (loop $forever
      (global.set $turns (i64.add (global.get $turns) (i64.const 1)))
      (br $forever)))

  (func (export "_start")
    ;; iovec at 0: { buf = 16, len = 16 }; bytes written at 8.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $spin))
)
