// The official Azure SDK for Go (azsecrets, from the Go module proxy) in the kv benchmark:
// bench/run.sh runs it against the canned TLS endpoint and reads the one JSON line it prints.
// The SDK's default transport is used as shipped; it trusts the test CA through SSL_CERT_FILE,
// which bench/run.sh sets. That transport is shared by every client of the process, so a new
// client would reuse a pooled connection: the first-call figure gives each of its fresh clients a
// transport of its own with the SDK's default settings (sdk/internal/transport). Modes as in
// bench/rust-sdk: throughput | rss N | calls N.
package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// staticToken is a fixed bearer token: the endpoint is canned, so no identity platform is involved.
type staticToken string

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(t), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func env(name string) string {
	v := os.Getenv(name)
	if v == "" {
		panic(name + " is not set (bench/run.sh sets it)")
	}
	return v
}

// freshTransport is the SDK's default transport settings on a connection pool of its own.
func freshTransport() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, Renegotiation: tls.RenegotiateFreelyAsClient},
	}}
}

func newClientWith(o *azsecrets.ClientOptions) *azsecrets.Client {
	c, err := azsecrets.NewClient(env("KV_BENCH_URL"), staticToken(env("KV_BENCH_TOKEN")), o)
	if err != nil {
		panic(err)
	}
	return c
}

func newClient() *azsecrets.Client { return newClientWith(nil) }

func get(c *azsecrets.Client) {
	r, err := c.GetSecret(context.Background(), "bench", "", nil)
	if err != nil {
		panic(err)
	}
	if r.Value == nil {
		panic("no value")
	}
}

// Further clients made (each after its first call, all alive at once) to measure what one more
// client costs, apart from what the first pays once for the process.
const moreClients = 10

// closeAll lets further clients go (the SDK's clients have nothing to close).
func closeAll(cs []*azsecrets.Client) {
	for i := range cs {
		cs[i] = nil
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
			o := &azsecrets.ClientOptions{}
			o.Transport = freshTransport()
			c := newClientWith(o)
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
		more := make([]*azsecrets.Client, 0, moreClients)
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
