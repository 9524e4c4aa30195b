package views

import "strings"

// DescribeDevice turns a User-Agent into "Firefox on Linux"-style words. It
// is a hint for people recognising their own devices, not a security check.
func DescribeDevice(ua string) string {
	if ua == "" {
		return "Unknown device"
	}
	browser := firstMatch(ua, "Unknown browser",
		"Edg/", "Edge", "OPR/", "Opera", "Firefox/", "Firefox", "HeadlessChrome", "Headless Chrome", "Chromium", "Chromium",
		"Chrome/", "Chrome", "Safari/", "Safari", "curl/", "curl", "Go-http-client", "Go program")
	os := firstMatch(ua, "",
		"Android", "Android", "iPhone", "iPhone", "iPad", "iPad", "Windows", "Windows", "Mac OS X", "macOS",
		"CrOS", "ChromeOS", "Linux", "Linux")
	if os == "" {
		return browser
	}
	return browser + " on " + os
}

// firstMatch returns the name paired with the first needle found in s.
func firstMatch(s, fallback string, pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.Contains(s, pairs[i]) {
			return pairs[i+1]
		}
	}
	return fallback
}
