module github.com/verge-edge/verge/sdk/go

go 1.24
