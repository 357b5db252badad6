// Command benchtable reads `go test -bench -benchmem` output on stdin and
// prints the performance table of README's Performance section: for each
// adapter, the overhead of each BenchmarkPaths row over the bare route, as
// a ratio to the floors measured in the same run (one RSA-2048
// verification; that plus an unseal of the same cookie), next to its goal.
// With -count, each row is the fastest of its runs: on a machine shared
// with other work, noise only ever adds time, so the minimum is the least
// disturbed measurement of each row.
//
//	go test -run '^$' -bench . -benchmem -count 3 ./... | go run ./core/internal/benchtable
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
)

// result is one benchmark's runs.
type result struct {
	ns, allocs []float64
	metrics    map[string][]float64
}

func fastest(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return slices.Min(v)
}

// parse groups the benchmark lines by package, then by name (the -N CPU
// suffix dropped).
func parse(r io.Reader) (map[string]map[string]*result, []string) {
	pkgs := map[string]map[string]*result{}
	var order []string
	pkg := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = p
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		if pkgs[pkg] == nil {
			pkgs[pkg] = map[string]*result{}
			order = append(order, pkg)
		}
		res := pkgs[pkg][name]
		if res == nil {
			res = &result{metrics: map[string][]float64{}}
			pkgs[pkg][name] = res
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch unit := f[i+1]; unit {
			case "ns/op":
				res.ns = append(res.ns, v)
			case "allocs/op":
				res.allocs = append(res.allocs, v)
			default:
				res.metrics[unit] = append(res.metrics[unit], v)
			}
		}
	}
	return pkgs, order
}

// goal is one row of the table: overhead over the baseline divided by a
// floor.
type goal struct {
	row, floor string
	max        float64
	maxAllocs  float64 // 0: no goal on allocations
}

var goals = []goal{
	{"warm/cookie", "rsa", 0.15, 0},
	{"warm/bearer", "rsa", 0.15, 0},
	{"cold/bearer", "rsa", 1.15, 100},
	{"cold/cookie", "rsa+unseal", 1.15, 150},
	{"redirect", "warm/cookie", 2, 0},
}

func main() {
	pkgs, order := parse(os.Stdin)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "%-8s %-12s %12s %8s %7s  %-20s %s\n", "adapter", "path", "overhead", "allocs", "ratio", "goal", "")
	failed := 0
	for _, pkg := range order {
		rows := pkgs[pkg]
		get := func(name string) *result { return rows["BenchmarkPaths/"+name] }
		base, rsa, unseal := get("baseline"), get("floor/rsa-verify"), get("floor/unseal")
		if base == nil || rsa == nil || unseal == nil {
			continue
		}
		adapter := path.Base(pkg)
		over := func(r *result) (ns, allocs float64) {
			return fastest(r.ns) - fastest(base.ns), fastest(r.allocs) - fastest(base.allocs)
		}
		floors := map[string]float64{"rsa": fastest(rsa.ns), "rsa+unseal": fastest(rsa.ns) + fastest(unseal.ns)}
		if wc := get("warm/cookie"); wc != nil {
			floors["warm/cookie"], _ = over(wc)
		}
		for _, g := range goals {
			r := get(g.row)
			if r == nil {
				continue
			}
			ns, allocs := over(r)
			ratio := ns / floors[g.floor]
			ok := ratio <= g.max && (g.maxAllocs == 0 || allocs <= g.maxAllocs)
			goalText := fmt.Sprintf("<= %.2fx %s", g.max, g.floor)
			if g.maxAllocs > 0 {
				goalText += fmt.Sprintf(", <= %.0f allocs", g.maxAllocs)
			}
			mark := "ok"
			if !ok {
				mark, failed = "MISSED", failed+1
			}
			fmt.Fprintf(w, "%-8s %-12s %9.1f µs %8.0f %6.2fx  %-32s %s\n", adapter, g.row, ns/1e3, allocs, ratio, goalText, mark)
		}
		fmt.Fprintf(w, "%-8s floors: rsa-verify %.1f µs, unseal %.1f µs, bare route %.2f µs\n", adapter, fastest(rsa.ns)/1e3, fastest(unseal.ns)/1e3, fastest(base.ns)/1e3)
	}
	for _, pkg := range order {
		if r := pkgs[pkg]["BenchmarkRememberedSessions"]; r != nil {
			b, hits := slices.Max(r.metrics["B/session"]), slices.Min(r.metrics["%hits"])
			mark := "ok"
			if b > 2048 || hits < 99 {
				mark, failed = "MISSED", failed+1
			}
			fmt.Fprintf(w, "remembered sessions (100,000, 10 rounds): %.0f B/session, %.1f%% hits after round 1 (goal <= 2048 B, >= 99%%) %s\n", b, hits, mark)
		}
	}
	if failed > 0 {
		fmt.Fprintf(w, "%d goal(s) missed\n", failed)
	}
}
