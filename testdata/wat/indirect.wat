;; indirect: calls through a table. call_indirect over functions of two
;; signatures placed by an active element segment, a passive segment copied
;; in with table.init, table.get/table.set/table.size and ref.func.
;;
;; run(n) dispatches n operations chosen by a small linear congruential
;; generator and returns the accumulated value.
(module
  (type $binop (func (param i32 i32) (result i32)))
  (type $unop (func (param i32) (result i32)))

  (table $ops 8 funcref)
  (elem (table $ops) (i32.const 0) func $add $sub $mul $xor)
  (elem $more func $neg $double)
  (elem declare func $rotl3)

  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))
  (func $xor (type $binop) (i32.xor (local.get 0) (local.get 1)))
  (func $neg (type $unop) (i32.sub (i32.const 0) (local.get 0)))
  (func $double (type $unop) (i32.shl (local.get 0) (i32.const 1)))
  (func $rotl3 (type $unop) (i32.rotl (local.get 0) (i32.const 3)))

  ;; apply calls slot i of the table: slots 0-3 take two operands, 4-6 one.
  (func $apply (param $i i32) (param $acc i32) (param $x i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $i) (i32.const 4))
      (then (call_indirect $ops (type $binop) (local.get $acc) (local.get $x) (local.get $i)))
      (else (call_indirect $ops (type $unop) (local.get $acc) (local.get $i)))))

  (func (export "run") (param $n i32) (result i32)
    (local $seed i32) (local $acc i32) (local $k i32)
    (table.init $ops $more (i32.const 4) (i32.const 0) (i32.const 2))
    (elem.drop $more)
    (table.set $ops (i32.const 6) (ref.func $rotl3))
    (local.set $acc (i32.const 1))
    (local.set $seed (i32.const 42))
    (loop $l
      (local.set $seed
        (i32.add (i32.mul (local.get $seed) (i32.const 1103515245)) (i32.const 12345)))
      (local.set $acc
        (call $apply
          (i32.rem_u (i32.shr_u (local.get $seed) (i32.const 16))
            (i32.const 7))
          (local.get $acc)
          (i32.or (local.get $k) (i32.const 1))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (local.get $n))))
    ;; table.size and a null check of an unused slot keep the reference
    ;; instructions on the path.
    (i32.add (local.get $acc)
      (i32.add (table.size $ops)
        (ref.is_null (table.get $ops (i32.const 7))))))
)
