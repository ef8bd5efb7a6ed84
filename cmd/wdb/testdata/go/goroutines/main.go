// Command goroutines keeps the Go scheduler busy: a chain of a thousand
// goroutines passing a value along, a worker pool, a pipeline of buffered
// channels, hundreds of goroutines contending for a mutex, a sync.Cond
// barrier. Everything it prints is a result that does not depend on the
// order the goroutines ran in.
package main

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

func main() {
	chain(1000)
	pool(16, 1000)
	pipeline(2000)
	contention(200, 50)
	barrier(64)
	fanIn(40)
}

// chain passes a value through n goroutines, each adding one.
func chain(n int) {
	first := make(chan int)
	in := first
	for range n {
		out := make(chan int)
		go func(in <-chan int, out chan<- int) { out <- 1 + <-in }(in, out)
		in = out
	}
	first <- 0
	fmt.Println("chain of", n, "goroutines:", <-in)
}

// pool computes Collatz stopping times with a fixed number of workers.
func pool(workers, jobs int) {
	type result struct{ n, steps int }
	work := make(chan int)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range work {
				steps := 0
				for x := n; x != 1; steps++ {
					if x%2 == 0 {
						x /= 2
					} else {
						x = 3*x + 1
					}
				}
				results <- result{n, steps}
			}
		}()
	}
	go func() {
		for n := 1; n <= jobs; n++ {
			work <- n
		}
		close(work)
	}()
	go func() { wg.Wait(); close(results) }()
	total, best := 0, result{}
	seen := make([]bool, jobs+1)
	for r := range results {
		total += r.steps
		seen[r.n] = true
		if r.steps > best.steps || r.steps == best.steps && r.n < best.n {
			best = r
		}
	}
	fmt.Printf("pool of %d workers: %d jobs, all done %v, total steps %d, longest %d (%d steps)\n",
		workers, jobs, !slices.Contains(seen[1:], false), total, best.n, best.steps)
}

// pipeline squares numbers, keeps the odd ones and sums them, each stage
// a goroutine joined by buffered channels.
func pipeline(n int) {
	gen := make(chan int, 8)
	sq := make(chan int, 8)
	odd := make(chan int, 8)
	go func() {
		for i := 1; i <= n; i++ {
			gen <- i
		}
		close(gen)
	}()
	go func() {
		for v := range gen {
			sq <- v * v
		}
		close(sq)
	}()
	go func() {
		for v := range sq {
			if v%2 == 1 {
				odd <- v
			}
		}
		close(odd)
	}()
	sum, count := 0, 0
	for v := range odd {
		sum += v
		count++
	}
	fmt.Println("pipeline:", count, "odd squares, sum", sum)
}

// contention has g goroutines increment shared counters k times each,
// under a mutex and atomically.
func contention(g, k int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var atomicCount atomic.Int64
	counts := map[int]int{}
	for i := range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range k {
				mu.Lock()
				counts[i%10]++
				mu.Unlock()
				atomicCount.Add(1)
			}
		}()
	}
	wg.Wait()
	fmt.Println("contention:", atomicCount.Load(), counts)
}

// barrier releases n waiting goroutines at once with a sync.Cond, then
// collects their answers through a channel.
func barrier(n int) {
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready, open := 0, false
	answers := make(chan int, n)
	for i := range n {
		go func() {
			mu.Lock()
			ready++
			cond.Broadcast()
			for !open {
				cond.Wait()
			}
			mu.Unlock()
			answers <- i * i
		}()
	}
	mu.Lock()
	for ready < n {
		cond.Wait()
	}
	open = true
	cond.Broadcast()
	mu.Unlock()
	got := make([]int, 0, n)
	for range n {
		got = append(got, <-answers)
	}
	slices.Sort(got)
	fmt.Println("barrier:", len(got), "released, answers", got[:5], "...", got[n-1])
}

// fanIn merges n producers with select and a done channel; a sync.Once
// closes it.
func fanIn(n int) {
	done := make(chan struct{})
	var once sync.Once
	type item struct{ producer, seq int }
	merged := make(chan item)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				select {
				case merged <- item{i, j}:
				case <-done:
					return
				}
			}
		}()
	}
	perProducer := make([]int, n)
	for received := 0; received < 20*n; {
		v := <-merged
		if perProducer[v.producer] < 20 {
			perProducer[v.producer]++
			received++
		}
	}
	once.Do(func() { close(done) })
	once.Do(func() { panic("sync.Once ran twice") })
	wg.Wait()
	fmt.Println("fan-in:", n, "producers, each delivered at least", slices.Min(perProducer))
}
