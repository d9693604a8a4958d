module kvbench/gokv

go 1.23

require (
	github.com/kv-sdk/kv/bindings/go v0.0.0
	kvbench/godriver v0.0.0
)

replace (
	github.com/kv-sdk/kv/bindings/go => ../../bindings/go
	kvbench/godriver => ../godriver
)
