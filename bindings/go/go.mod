module github.com/kv-sdk/kv/bindings/go

go 1.23
