;; words: a loop whose locals are named like the break command's option
;; words, for breakpoint conditions that use them (`if log > 2 && hits <
;; 10`). run(n) returns the sum of 2*log for log = 0 .. n-1, that is
;; n*(n-1); at the top of iteration log, hits = log*(log-1).
(module
  (func $count (export "run") (param $n i32) (result i32)
    (local $log i32) (local $hits i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $log) (local.get $n)))
        (local.set $hits (i32.add (local.get $hits) (i32.mul (local.get $log) (i32.const 2))))
        (local.set $log (i32.add (local.get $log) (i32.const 1)))
        (br $next)))
    (local.get $hits)))
