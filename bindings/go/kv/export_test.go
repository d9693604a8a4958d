package kv

// Test hooks for the external tests (package kv_test).

// LiveHandles returns how many native handles Go values own and have not freed yet.
func LiveHandles() int64 { return liveHandles.Load() }

// FinalizedHandles returns how many native handles finalizers have freed so far.
func FinalizedHandles() int64 { return finalizedHandles.Load() }

// StatusNames returns the generated status table (C name by status).
func StatusNames() map[Status]string { return statusNames }

// CallbackHandles returns how many callback credentials kv has not released yet.
func CallbackHandles() int64 { return callbackHandles.Load() }

// BuildTags is the -tags value of the link mode this test binary was built with.
const BuildTags = buildTags

// CallContexts returns how many kv_call_context objects the binding has made so far, how many
// are not freed yet, and how many of those wait in Clients' pools.
func CallContexts() (made, live, pooled int64) {
	return madeContexts.Load(), liveContexts.Load(), pooledContexts.Load()
}
