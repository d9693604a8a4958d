// Package godriver is what the two Go clients of the kv benchmark (bench/go-kv, kv's Go binding;
// bench/go-sdk, the Azure SDK for Go) have in common: the modes bench/run.sh runs and the JSON
// line each prints, measured alike for both. A client module gives only how to make a client,
// one get_secret, and how to let clients go.
//
// Modes (first argument; the second is N): throughput | rss N | calls N | rss-series N.
package godriver

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Driver is one client library under measurement.
type Driver[C any] struct {
	// New makes a client.
	New func() C
	// Fresh makes a client for the first-call figure, which must not reuse another client's
	// connection (nil: New).
	Fresh func() C
	// Get reads the canned secret once and panics on any failure.
	Get func(C)
	// Close lets further clients go.
	Close func([]C)
}

// Further clients made (each after its first call, all alive at once) to measure what one more
// client costs, apart from what the first pays once for the process.
const moreClients = 10

// Env is a variable bench/run.sh sets; it panics when it is missing.
func Env(name string) string {
	v := os.Getenv(name)
	if v == "" {
		panic(name + " is not set (bench/run.sh sets it)")
	}
	return v
}

// Main runs the mode named on the command line and prints its JSON line.
func Main[C any](d Driver[C]) {
	if d.Fresh == nil {
		d.Fresh = d.New
	}
	mode := "throughput"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	n := 1000
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	switch mode {
	case "throughput":
		throughput(d)
	case "rss":
		rss(d, n)
	case "rss-series":
		rssSeries(d, n)
	case "calls":
		c := d.New()
		for i := 0; i <= n; i++ {
			d.Get(c)
		}
		fmt.Printf("{\"calls\": %d}\n", n)
	default:
		panic("unknown mode " + mode)
	}
}

// throughput: the median of 5 fresh clients' first calls, then sequential gets and 16 goroutines
// sharing one client, each for KV_BENCH_SECONDS.
func throughput[C any](d Driver[C]) {
	seconds, _ := strconv.ParseFloat(Env("KV_BENCH_SECONDS"), 64)
	span := time.Duration(seconds * float64(time.Second))
	var firsts []float64
	for i := 0; i < 5; i++ {
		c := d.Fresh()
		t := time.Now()
		d.Get(c)
		firsts = append(firsts, float64(time.Since(t).Nanoseconds())/1e3)
	}
	sort.Float64s(firsts)
	c := d.New()
	for i := 0; i < 200; i++ {
		d.Get(c)
	}
	t := time.Now()
	calls := 0
	for time.Since(t) < span {
		d.Get(c)
		calls++
	}
	seq := float64(calls) / time.Since(t).Seconds()
	var stop atomic.Bool
	var count atomic.Int64
	var wg sync.WaitGroup
	t = time.Now()
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				d.Get(c)
				count.Add(1)
			}
		}()
	}
	time.Sleep(span)
	stop.Store(true)
	wg.Wait()
	mt := float64(count.Load()) / time.Since(t).Seconds()
	fmt.Printf("{\"first_call_us\": %.1f, \"seq_ops\": %.1f, \"mt16_ops\": %.1f}\n", firsts[len(firsts)/2], seq, mt)
}

// rss: the resident set before the client, after its first call, after 10 further clients, and
// after 1,000, n and 2n calls on the first. The first n calls warm the process up; growth is
// measured over the next n. A client allocating a few hundred bytes per call reaches the
// garbage collector's first heap goal (4 MB at GOGC=100) only after ~10,000 calls, and the
// runtime's metadata for that heap comes with it: a one-off ramp, which rss_warm_kb → rss_mid_kb
// shows.
func rss[C any](d Driver[C], n int) {
	base := rssKB()
	c := d.New()
	d.Get(c)
	first := rssKB()
	more := make([]C, 0, moreClients)
	for i := 0; i < moreClients; i++ {
		m := d.New()
		d.Get(m)
		more = append(more, m)
	}
	afterMore := rssKB()
	d.Close(more)
	for i := 1; i < 1000; i++ {
		d.Get(c)
	}
	warm := settledRSSKB()
	for i := 1000; i < n; i++ {
		d.Get(c)
	}
	midRaw := rssKB()
	mid := settledRSSKB()
	for i := 0; i < n; i++ {
		d.Get(c)
	}
	endRaw := rssKB()
	fmt.Printf("{\"rss_base_kb\": %d, \"rss_first_kb\": %d, \"rss_more_kb\": %d, \"more_clients\": %d, \"rss_warm_kb\": %d, \"rss_mid_kb\": %d, \"rss_end_kb\": %d, \"rss_mid_raw_kb\": %d, \"rss_end_raw_kb\": %d, \"calls\": %d}\n",
		base, first, afterMore, moreClients, warm, mid, settledRSSKB(), midRaw, endRaw, n)
}

// rssSeries: the settled RSS of one client after 1,000, 2,500, 5,000, 10,000, 25,000, ... calls up
// to n, which shows the warm-up's ramp and the flat line after it.
func rssSeries[C any](d Driver[C], n int) {
	c := d.New()
	var calls, kb []string
	done := 0
	sample := func(at int) {
		for ; done < at; done++ {
			d.Get(c)
		}
		calls = append(calls, strconv.Itoa(at))
		kb = append(kb, strconv.FormatInt(settledRSSKB(), 10))
	}
	for step := 1000; step <= n; step *= 10 {
		for _, at := range []int{step, step * 5 / 2, step * 5} {
			if at <= n {
				sample(at)
			}
		}
	}
	if done < n {
		sample(n)
	}
	fmt.Printf("{\"calls\": [%s], \"rss_kb\": [%s]}\n", strings.Join(calls, ", "), strings.Join(kb, ", "))
}

func rssKB() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			return v
		}
	}
	return 0
}

// settledRSSKB is the RSS after a garbage collection that returns the freed heap to the system
// (runtime.GC + debug.FreeOSMemory): what the process retains, the least of three such rounds.
// The growth figure (end - mid) is taken from two such samples, so that it shows memory kept per
// call (a leak) rather than the garbage collector's heap goal; rss_mid_raw_kb and rss_end_raw_kb
// are the same two points without the collection.
func settledRSSKB() int64 {
	least := int64(-1)
	for i := 0; i < 3; i++ {
		runtime.GC()
		debug.FreeOSMemory()
		if v := rssKB(); least < 0 || v < least {
			least = v
		}
	}
	return least
}
