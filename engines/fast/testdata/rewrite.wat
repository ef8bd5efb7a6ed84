;; Small functions whose register translation the unit tests inspect.
(module
  ;; 0: both local.gets fold; the add reads the locals' slots.
  (func (export "fold") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  ;; 1: the pending local.get 0 must be preserved before local.set 0.
  (func (export "preserve") (param i32) (result i32)
    local.get 0
    i32.const 5
    local.set 0
    local.get 0
    i32.add)
  ;; 2: the mul writes straight into local 1 (fused with local.set).
  (func (export "fused") (param i32) (result i32) (local i32)
    local.get 0
    local.get 0
    i32.mul
    local.set 1
    local.get 1
    i32.const 1
    i32.add)
  ;; 3: a loop with a block result, a branch argument and a tee.
  (func (export "loop") (param i32) (result i32) (local i32)
    block (result i32)
      loop
        local.get 1
        local.get 0
        i32.add
        local.tee 1
        local.get 0
        i32.const 1
        i32.sub
        local.tee 0
        i32.eqz
        br_if 1
        drop
        br 0
      end
      i32.const 0
    end)
)
