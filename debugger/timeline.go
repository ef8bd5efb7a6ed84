package debugger

import (
	"bytes"
	"math/bits"
	"sort"
	"time"

	"github.com/wdb-dev/wdb/snapshot"
)

// DefaultBudget is the timeline's memory budget when Config.Budget is 0.
const DefaultBudget = 512 << 20

const (
	// minInterval and maxInterval bound the spacing of snapshots in
	// instructions, whatever the measured costs say.
	minInterval = 10_000
	maxInterval = 1 << 40
	// perBucket is how many snapshots thinning keeps in each age bucket
	// (ages [I, 2I), [2I, 4I), ... with I the interval).
	perBucket = 3
	// overheadBytes is what a snapshot costs besides its memory pages
	// (frames, values, the host state), per value and in total.
	valueBytes    = 32
	overheadBytes = 512
)

// point is one snapshot of the timeline.
type point struct {
	snap *snapshot.Snapshot // with Host
	// entry is the index in Session.entries of the entry function running
	// at the snapshot (len(entries) when none is left).
	entry int
	// fork marks a state edited by the user: a replay that reaches this
	// counter continues from this state, not from what it computed. Forks
	// are never dropped.
	fork  bool
	extra int64 // bytes besides memory pages
}

func (p *point) counter() uint64 { return p.snap.Counter }

// timeline holds the snapshots of one session, by counter (one per
// counter), their memory accounting and the spacing policy
// (docs/time-travel.md).
type timeline struct {
	points []*point
	// refs counts, for every distinct memory page held, the snapshots
	// holding it (pages equal to the previous snapshot's are shared).
	refs   map[*byte]int
	pages  int64 // distinct pages held
	extra  int64 // sum of points' extra
	budget int64

	start, end uint64 // the earliest reachable counter; the furthest executed on this fork

	// The spacing policy: snapshots cost cost each (measured), the engine
	// runs rate instructions a second (measured); interval keeps the time
	// spent in snapshots near a tenth of the time spent running.
	cost     time.Duration
	rate     float64
	interval uint64
	fixed    bool // tests: keep interval as set
	// wasted counts the snapshots in a row that the budget dropped as
	// soon as they were taken: the spacing doubles with each.
	wasted int
}

func newTimeline(start uint64, budget int64) *timeline {
	if budget <= 0 {
		budget = DefaultBudget
	}
	return &timeline{refs: map[*byte]int{}, budget: budget, start: start, end: start, interval: 100_000, rate: 5e7}
}

// bytes is the memory held by the snapshots.
func (t *timeline) bytes() int64 { return t.pages*snapshot.PageSize + t.extra }

// find returns the index of the last point at or before counter, or -1.
func (t *timeline) find(counter uint64) int {
	return sort.Search(len(t.points), func(i int) bool { return t.points[i].counter() > counter }) - 1
}

// at returns the point at counter exactly, or nil.
func (t *timeline) at(counter uint64) *point {
	if i := t.find(counter); i >= 0 && t.points[i].counter() == counter {
		return t.points[i]
	}
	return nil
}

// before returns the last point at or before counter (nil if none).
func (t *timeline) before(counter uint64) *point {
	if i := t.find(counter); i >= 0 {
		return t.points[i]
	}
	return nil
}

// nextFork returns the first fork after counter, or nil.
func (t *timeline) nextFork(counter uint64) *point {
	for _, p := range t.points[t.find(counter)+1:] {
		if p.fork {
			return p
		}
	}
	return nil
}

// due returns the counter at which the next snapshot should be taken
// when running forward from counter: an interval after the last snapshot,
// unless the next snapshot is nearer than an interval from there (then
// none is needed before it; its counter is returned so that the decision
// is made again past it).
func (t *timeline) due(counter uint64) uint64 {
	i := t.find(counter)
	next := uint64(1<<64 - 1)
	if i+1 < len(t.points) {
		next = t.points[i+1].counter()
	}
	iv := max(t.interval, 1) << min(t.wasted, 24)
	want := counter + iv
	if i >= 0 {
		want = max(t.points[i].counter()+iv, counter+1)
	}
	if next <= want || next-want < iv/2 {
		return next
	}
	return want
}

// add inserts p (replacing a point at the same counter), sharing its
// memory pages with its neighbours' equal pages, then thins the timeline
// around present and keeps it within the budget.
func (t *timeline) add(p *point, present uint64) {
	i := t.find(p.counter())
	if i >= 0 && t.points[i].counter() == p.counter() {
		t.release(t.points[i])
		t.points = append(t.points[:i], t.points[i+1:]...)
		i--
	}
	var nb *point
	if i >= 0 {
		nb = t.points[i]
	} else if i+1 < len(t.points) {
		nb = t.points[i+1]
	}
	if nb != nil {
		share(p.snap, nb.snap)
	}
	p.extra = extraBytes(p.snap)
	t.hold(p)
	t.points = append(t.points, nil)
	copy(t.points[i+2:], t.points[i+1:])
	t.points[i+1] = p
	t.end = max(t.end, p.counter())
	t.thin(present)
	t.fit(present)
	if t.at(p.counter()) == p {
		t.wasted = 0
	} else {
		t.wasted++
	}
}

// share replaces s's pages that equal prev's by prev's (the same slice).
func share(s, prev *snapshot.Snapshot) {
	for m := range min(len(s.Memories), len(prev.Memories)) {
		a, b := s.Memories[m].Pages, prev.Memories[m].Pages
		for i := range min(len(a), len(b)) {
			if a[i] != nil && b[i] != nil && &a[i][0] != &b[i][0] && bytes.Equal(a[i], b[i]) {
				a[i] = b[i]
			}
		}
	}
}

func extraBytes(s *snapshot.Snapshot) int64 {
	n := len(s.Globals)
	for _, f := range s.Frames {
		n += len(f.Locals) + len(f.Stack) + len(f.Labels)
	}
	for _, tb := range s.Tables {
		n += len(tb.Elems)
	}
	for _, m := range s.Memories {
		n += len(m.Pages) / 4 // the page table
	}
	return int64(n)*valueBytes + overheadBytes
}

func eachPage(s *snapshot.Snapshot, f func(k *byte)) {
	for _, m := range s.Memories {
		for _, pg := range m.Pages {
			if pg != nil {
				f(&pg[0])
			}
		}
	}
}

func (t *timeline) hold(p *point) {
	eachPage(p.snap, func(k *byte) {
		if t.refs[k] == 0 {
			t.pages++
		}
		t.refs[k]++
	})
	t.extra += p.extra
}

func (t *timeline) release(p *point) {
	eachPage(p.snap, func(k *byte) {
		if t.refs[k]--; t.refs[k] == 0 {
			delete(t.refs, k)
			t.pages--
		}
	})
	t.extra -= p.extra
}

// own is the memory p holds on its own: what dropping it frees.
func (t *timeline) own(p *point) int64 {
	n := p.extra
	eachPage(p.snap, func(k *byte) {
		if t.refs[k] == 1 {
			n += snapshot.PageSize
		}
	})
	return n
}

// drop removes point i.
func (t *timeline) drop(i int) {
	t.release(t.points[i])
	t.points = append(t.points[:i], t.points[i+1:]...)
}

// protected says whether point i must stay: the earliest and forks.
func (t *timeline) protected(i int) bool { return i == 0 || t.points[i].fork }

// gap is the distance between point i's neighbours: how far a replay
// would have to run if i were dropped.
func (t *timeline) gap(i int, present uint64) uint64 {
	next := max(present, t.end)
	if i+1 < len(t.points) {
		next = t.points[i+1].counter()
	}
	return next - t.points[i-1].counter()
}

func age(c, present uint64) uint64 {
	if c > present {
		return c - present
	}
	return present - c
}

// thin keeps at most perBucket snapshots in each bucket of age from the
// present ([0, I), [I, 2I), [2I, 4I), ...: dense near the present, sparse
// far from it, O(log n) in all), dropping in an over-full bucket the
// snapshot whose neighbours are closest.
func (t *timeline) thin(present uint64) {
	for {
		buckets := map[int][]int{}
		for i, p := range t.points {
			if !t.protected(i) {
				b := bits.Len64(age(p.counter(), present) / max(t.interval, 1))
				buckets[b] = append(buckets[b], i)
			}
		}
		victim := -1
		for _, idx := range buckets {
			if len(idx) <= perBucket {
				continue
			}
			for _, i := range idx {
				if victim < 0 || t.gap(i, present) < t.gap(victim, present) {
					victim = i
				}
			}
		}
		if victim < 0 {
			return
		}
		t.drop(victim)
	}
}

// fit drops snapshots until the timeline is within its budget: each time
// the one whose loss costs least (the smallest gap it leaves, relative to
// its distance from the present) among those that free memory.
func (t *timeline) fit(present uint64) {
	for t.bytes() > t.budget {
		victim, best := -1, 0.0
		for i := range t.points {
			if t.protected(i) || t.own(t.points[i]) <= overheadBytes {
				continue
			}
			score := float64(t.gap(i, present)) / float64(age(t.points[i].counter(), present)+t.interval)
			if victim < 0 || score < best {
				victim, best = i, score
			}
		}
		if victim < 0 {
			return
		}
		t.drop(victim)
	}
}

// cut forks the timeline at counter: points at or after it are dropped.
func (t *timeline) cut(counter uint64) {
	for len(t.points) > 1 && t.points[len(t.points)-1].counter() >= counter {
		t.drop(len(t.points) - 1)
	}
	t.end = counter
}

// measured updates the spacing policy with a snapshot's cost and a run's
// speed.
func (t *timeline) measuredSnapshot(d time.Duration) {
	if t.cost == 0 {
		t.cost = d
	} else {
		t.cost = (t.cost + d) / 2
	}
	t.adapt()
}

func (t *timeline) measuredRun(instrs uint64, d time.Duration) {
	if d < 100*time.Microsecond || instrs < 1000 {
		return // too short to say anything
	}
	r := float64(instrs) / d.Seconds()
	t.rate = (t.rate + r) / 2
	t.adapt()
}

// adapt sets the interval so that running it takes nine times as long as
// a snapshot: snapshots then take a tenth of the time.
func (t *timeline) adapt() {
	if t.fixed {
		return
	}
	iv := 9 * t.cost.Seconds() * t.rate
	t.interval = uint64(min(max(iv, minInterval), maxInterval))
}

func (t *timeline) info(present uint64) TimelineInfo {
	ti := TimelineInfo{Start: t.start, Present: present, End: max(t.end, present), Bytes: t.bytes(), Budget: t.budget}
	for _, p := range t.points {
		ti.Snapshots = append(ti.Snapshots, SnapshotInfo{Counter: p.counter(), Bytes: t.own(p)})
	}
	return ti
}
