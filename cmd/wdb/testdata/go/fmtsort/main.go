// Command fmtsort exercises fmt, sort, slices, maps and strconv: word
// frequencies of a fixed text, a sort of pseudo-random numbers, and a tour
// of formatting verbs. Its output depends on nothing but its code, so it
// must be the same natively and under any WebAssembly runtime.
package main

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

const text = `It was the best of times, it was the worst of times, it was the age of
wisdom, it was the age of foolishness, it was the epoch of belief, it was the
epoch of incredulity, it was the season of Light, it was the season of
Darkness, it was the spring of hope, it was the winter of despair, we had
everything before us, we had nothing before us, we were all going direct to
Heaven, we were all going direct the other way.`

type wordCount struct {
	Word  string
	Count int
}

func main() {
	counts := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		counts[w]++
	}
	var entries []wordCount
	for w, c := range counts {
		entries = append(entries, wordCount{w, c})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].Count != entries[j].Count {
			return entries[i].Count > entries[j].Count
		}
		return entries[i].Word < entries[j].Word
	})
	fmt.Println("distinct words:", len(entries))
	for _, e := range entries[:8] {
		fmt.Printf("%-8s %3d %q\n", e.Word, e.Count, strings.Repeat("*", e.Count))
	}

	keys := slices.Sorted(maps.Keys(counts))
	fmt.Println("first:", keys[:4], "last:", keys[len(keys)-4:])
	sort.SliceStable(keys, func(i, j int) bool { return len(keys[i]) < len(keys[j]) })
	fmt.Println("by length:", keys[:6])
	i := sort.SearchStrings(slices.Sorted(maps.Keys(counts)), "season")
	fmt.Println("season at", i)

	byCount := map[int][]string{}
	for w, c := range counts {
		byCount[c] = append(byCount[c], w)
	}
	for _, ws := range byCount {
		slices.Sort(ws)
	}
	// fmt prints maps with their keys sorted.
	fmt.Println(map[int]int{3: 9, 1: 1, 2: 4})
	rare := maps.Clone(counts)
	maps.DeleteFunc(rare, func(_ string, c int) bool { return c > 1 })
	fmt.Println("once:", len(rare), "twice:", byCount[2], "equal:", maps.Equal(rare, counts))

	// A sort of pseudo-random numbers (a linear congruential generator).
	nums := make([]int, 5000)
	x := uint32(12345)
	for i := range nums {
		x = x*1664525 + 1013904223
		nums[i] = int(x >> 8)
	}
	sort.Ints(nums)
	sum := 0
	for i, n := range nums {
		sum += n * (i%7 + 1)
	}
	fmt.Println("sorted:", sort.IntsAreSorted(nums), nums[0], nums[len(nums)/2], nums[len(nums)-1], "weighted sum", sum)
	desc := slices.Clone(nums[:10])
	sort.Sort(sort.Reverse(sort.IntSlice(desc)))
	fmt.Println("reversed:", desc)

	// Formatting verbs.
	e := entries[0]
	fmt.Printf("%v | %+v | %#v | %T\n", e, e, e, e)
	fmt.Printf("%08.3f|%e|%g|%G|%.0f\n", math.Pi, math.E*1e6, 1e21, 1e-7, 2.5)
	fmt.Printf("%x|%X|%o|%O|%b|%c|%U|%#x\n", 3054, 3054, 8, 8, 5, 'λ', 'λ', "wdb")
	fmt.Printf("%6.2f%%|%-6d|%+d|%q|%v|%t\n", 12.3456, 42, 7, 'x', []byte("ab"), true)
	fmt.Printf("%v %v %v %v\n", math.Inf(1), math.NaN(), -0.0, float32(0.1))
	fmt.Println(strconv.FormatFloat(1.0/3, 'f', -1, 64), strconv.FormatFloat(1.0/3, 'f', -1, 32), strconv.Quote("tab\there"), strconv.Itoa(-99))
	if _, err := strconv.Atoi("12a"); err != nil {
		fmt.Println("error:", err)
	}
	if _, err := strconv.ParseInt("99999999999999999999", 10, 64); err != nil {
		fmt.Println("error:", err)
	}
	var sb strings.Builder
	for i := range 5 {
		fmt.Fprintf(&sb, "[%d:%s]", i, strconv.FormatInt(int64(i*i*i), 2))
	}
	fmt.Println(sb.String())
}
