// kv through its Go binding (bindings/go, linked statically to target/release/libkv.a with
// -tags kv_repo) in the benchmark: bench/run.sh runs it against the canned TLS endpoint and
// reads the one JSON line it prints. The test CA comes from KV_BENCH_CA (the client's CAFile).
// Modes as in bench/rust-sdk: throughput | rss N | calls N; and rss-series N: the settled RSS
// of one client after 1,000, 2,500, 5,000, 10,000, 25,000, ... calls up to N, which shows the
// warm-up's ramp and the flat line after it.
package main

import (
	"context"
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

	"github.com/kv-sdk/kv/bindings/go/kv"
)

func env(name string) string {
	v := os.Getenv(name)
	if v == "" {
		panic(name + " is not set (bench/run.sh sets it)")
	}
	return v
}

var cred *kv.Credential

func newClient() *kv.Client {
	if cred == nil {
		var err error
		if cred, err = kv.NewStaticTokenCredential(env("KV_BENCH_TOKEN")); err != nil {
			panic(err)
		}
	}
	c, err := kv.NewClient(env("KV_BENCH_URL"), cred, &kv.ClientOptions{CAFile: env("KV_BENCH_CA")})
	if err != nil {
		panic(err)
	}
	return c
}

// ctx is the context of every call: a background context, which costs nothing extra per call.
var ctx = context.Background()

func get(c *kv.Client) {
	s, err := c.GetSecret(ctx, "bench", "")
	if err != nil {
		panic(err)
	}
	if len(s.Value) == 0 {
		panic("no value")
	}
}

// Further clients made (each after its first call, all alive at once) to measure what one more
// client costs, apart from what the first pays once for the process.
const moreClients = 10

// closeAll closes further clients.
func closeAll(cs []*kv.Client) {
	for _, c := range cs {
		c.Close()
	}
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
// (runtime.GC + debug.FreeOSMemory): what the process retains. The growth figure (end - mid)
// is taken from two such samples, so that it shows memory kept per call (a leak) rather than
// the garbage collector's heap goal. rss_mid_raw_kb and rss_end_raw_kb are the same two points
// without the collection.
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

func main() {
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
		seconds, _ := strconv.ParseFloat(env("KV_BENCH_SECONDS"), 64)
		d := time.Duration(seconds * float64(time.Second))
		var firsts []float64
		for i := 0; i < 5; i++ {
			c := newClient()
			t := time.Now()
			get(c)
			firsts = append(firsts, float64(time.Since(t).Nanoseconds())/1e3)
		}
		sort.Float64s(firsts)
		c := newClient()
		for i := 0; i < 200; i++ {
			get(c)
		}
		t := time.Now()
		calls := 0
		for time.Since(t) < d {
			get(c)
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
					get(c)
					count.Add(1)
				}
			}()
		}
		time.Sleep(d)
		stop.Store(true)
		wg.Wait()
		mt := float64(count.Load()) / time.Since(t).Seconds()
		fmt.Printf("{\"first_call_us\": %.1f, \"seq_ops\": %.1f, \"mt16_ops\": %.1f}\n", firsts[len(firsts)/2], seq, mt)
	case "rss":
		base := rssKB()
		c := newClient()
		get(c)
		first := rssKB()
		more := make([]*kv.Client, 0, moreClients)
		for i := 0; i < moreClients; i++ {
			m := newClient()
			get(m)
			more = append(more, m)
		}
		afterMore := rssKB()
		closeAll(more)
		for i := 1; i < 1000; i++ {
			get(c)
		}
		warm := settledRSSKB()
		// The first n calls warm the process up; growth is measured over the next n. A client
		// allocating a few hundred bytes per call reaches the garbage collector's first heap
		// goal (4 MB at GOGC=100) only after ~10,000 calls, and the runtime's metadata for that
		// heap comes with it: a one-off ramp, which rss_warm_kb → rss_mid_kb shows.
		for i := 1000; i < n; i++ {
			get(c)
		}
		midRaw := rssKB()
		mid := settledRSSKB()
		for i := 0; i < n; i++ {
			get(c)
		}
		endRaw := rssKB()
		fmt.Printf("{\"rss_base_kb\": %d, \"rss_first_kb\": %d, \"rss_more_kb\": %d, \"more_clients\": %d, \"rss_warm_kb\": %d, \"rss_mid_kb\": %d, \"rss_end_kb\": %d, \"rss_mid_raw_kb\": %d, \"rss_end_raw_kb\": %d, \"calls\": %d}\n",
			base, first, afterMore, moreClients, warm, mid, settledRSSKB(), midRaw, endRaw, n)
	case "rss-series":
		c := newClient()
		var calls, rss []string
		done := 0
		for step := 1000; step <= n; step *= 10 {
			for _, at := range []int{step, step * 5 / 2, step * 5} {
				if at > n {
					break
				}
				for ; done < at; done++ {
					get(c)
				}
				calls = append(calls, strconv.Itoa(at))
				rss = append(rss, strconv.FormatInt(settledRSSKB(), 10))
			}
		}
		if done < n {
			for ; done < n; done++ {
				get(c)
			}
			calls = append(calls, strconv.Itoa(n))
			rss = append(rss, strconv.FormatInt(settledRSSKB(), 10))
		}
		fmt.Printf("{\"calls\": [%s], \"rss_kb\": [%s]}\n", strings.Join(calls, ", "), strings.Join(rss, ", "))
	case "calls":
		c := newClient()
		for i := 0; i <= n; i++ {
			get(c)
		}
		fmt.Printf("{\"calls\": %d}\n", n)
	default:
		panic("unknown mode " + mode)
	}
}
