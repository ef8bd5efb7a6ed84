;; memory: linear memory and globals. Loads and stores of every width and
;; signedness, a data segment, memory.grow and memory.size, memory.fill and
;; memory.copy, mutable globals of all four number types.
;;
;; run(n) grows memory by one page, fills and mixes buffers there n times
;; and returns a checksum; the globals count the work done.
(module
  (memory (export "memory") 1 4)
  (data (i32.const 16) "wdb: time travel for wasm")

  (global $calls (mut i32) (i32.const 0))
  (global $total (mut i64) (i64.const 0))
  (global $ratio (mut f32) (f32.const 1.5))
  (global $mean (mut f64) (f64.const 0))
  (global $base i32 (i32.const 16))

  ;; checksum folds every width of load over [p, p+len).
  (func $checksum (param $p i32) (param $len i32) (result i64)
    (local $end i32) (local $h i64)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $h (i64.const 1469598103934665603))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (i32.add (local.get $p) (i32.const 8)) (local.get $end)))
        (local.set $h (i64.xor (local.get $h) (i64.load8_u (local.get $p))))
        (local.set $h (i64.mul (local.get $h) (i64.const 1099511628211)))
        (local.set $h (i64.add (local.get $h) (i64.load16_s offset=1 align=1 (local.get $p))))
        (local.set $h (i64.xor (local.get $h) (i64.load32_u offset=2 align=2 (local.get $p))))
        (local.set $h (i64.add (local.get $h) (i64.extend_i32_s (i32.load8_s offset=3 (local.get $p)))))
        (local.set $h (i64.rotl (local.get $h) (i64.load offset=0 align=1 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 3)))
        (br $l)))
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (local.get $h))

  (func $scramble (param $p i32) (param $len i32) (param $salt i32)
    (local $i i32)
    (loop $l
      (i32.store8 (i32.add (local.get $p) (local.get $i))
        (i32.add (i32.load8_u (i32.add (local.get $p) (local.get $i)))
          (i32.mul (local.get $i) (local.get $salt))))
      (i32.store16 offset=64 (i32.add (local.get $p) (local.get $i))
        (i32.load16_u (i32.add (local.get $p) (local.get $i))))
      (i64.store32 offset=128 (i32.add (local.get $p) (local.get $i))
        (i64.load32_s (i32.add (local.get $p) (local.get $i))))
      (f32.store offset=256 (i32.add (local.get $p) (local.get $i))
        (f32.mul (global.get $ratio) (f32.convert_i32_s (local.get $i))))
      (f64.store offset=512 (i32.add (local.get $p) (local.get $i))
        (f64.add (f64.load offset=512 (i32.add (local.get $p) (local.get $i)))
          (f64.promote_f32 (f32.load offset=256 (i32.add (local.get $p) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $len)))))

  (func (export "run") (param $n i32) (result i64)
    (local $page i32) (local $buf i32) (local $i i32) (local $h i64)
    ;; A second page for the work area; grow past the maximum fails (-1).
    (local.set $page (memory.grow (i32.const 1)))
    (local.set $buf (i32.mul (local.get $page) (i32.const 65536)))
    (if (i32.ne (memory.grow (i32.const 100)) (i32.const -1)) (then (unreachable)))
    (memory.fill (local.get $buf) (i32.const 0xa5) (i32.const 1024))
    (memory.copy (local.get $buf) (global.get $base) (i32.const 25))
    (loop $l
      (call $scramble (local.get $buf) (i32.const 40) (i32.add (local.get $i) (i32.const 3)))
      (local.set $h (i64.add (local.get $h) (call $checksum (local.get $buf) (i32.const 1024))))
      (global.set $total (i64.add (global.get $total) (local.get $h)))
      (global.set $mean
        (f64.div (f64.convert_i64_s (global.get $total)) (f64.convert_i32_s (global.get $calls))))
      (global.set $ratio (f32.add (global.get $ratio) (f32.const 0.25)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.xor (local.get $h)
      (i64.add (i64.extend_i32_u (memory.size))
        (i64.reinterpret_f64 (global.get $mean)))))
)
