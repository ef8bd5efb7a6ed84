;; Hand-written functions for the analysis tests (analysis_test.go).
;; Rebuild: wat2wasm --debug-names analysis.wat -o analysis.wasm
(module
  (type $pair (func (param i32 i64) (result i64 i32)))
  (type $v_i (func (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $leaf $leaf)

  (func $leaf (result i32) (i32.const 42))

  ;; Operand types across a multi-value block with parameters, an if/else
  ;; and a loop.
  (func $shapes (param $p i32) (result i32)
    (local $l f64)
    f32.const 1.5
    i32.const 10
    i64.const 20
    block $b (type $pair)
      drop
      drop
      i64.const 3
      i32.const 4
    end
    drop
    drop
    drop
    loop $L (result i32)
      local.get $p
      if (result i32)
        local.get $p
        i32.const 1
        i32.sub
        local.set $p
        br $L
      else
        i32.const 7
      end
    end
  )

  ;; br_table, dead code and polymorphic operands.
  (func $dead (param $x i32) (result i32)
    block $a
      block $b
        local.get $x
        br_table $a $b $a
      end
      i32.const 1
      return
      i32.const 2
      block
        nop
      end
      select
      i32.eqz
      drop
    end
    block $c
      unreachable
    end
    i32.const 3
  )

  ;; A loop with a parameter and an if without else.
  (func $loopparam (param $n i32) (result i32)
    i32.const 0
    loop $L (param i32) (result i32)
      i32.const 1
      i32.add
      local.get $n
      i32.const 1
      i32.sub
      local.tee $n
      br_if $L
    end
    local.get $n
    if (param i32) (result i32)
      i32.const 100
      i32.add
    end
  )

  (func $calls (result i32)
    i32.const 1
    call_indirect (type $v_i)
    call $leaf
    i32.add
  )
)
