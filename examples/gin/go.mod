module github.com/authkit-go/authkit/examples/gin

go 1.26.0

require (
	github.com/authkit-go/authkit/adapters/gin v0.0.0
	github.com/authkit-go/authkit/core v0.0.0
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/chromedp/chromedp v0.23.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
)

replace (
	github.com/authkit-go/authkit/adapters/gin => ../../adapters/gin
	github.com/authkit-go/authkit/core => ../../core
)
