module kvbench/godriver

go 1.23
