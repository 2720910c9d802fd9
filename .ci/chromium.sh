#!/usr/bin/env bash
# Makes Debian's Chromium available to the browser tests (qpaytest's
# TestBrowserPaymentPage) and prints the one line .ci/run evals:
#
#	export QPAY_CHROMIUM=/usr/bin/chromium
#
# Only that line goes to stdout; apt's chatter goes to stderr. Running it
# again when Chromium is there changes nothing. The browser itself is started
# by the test (through chromedp, with the flags this machine needs), so that
# every run gets a fresh profile and no process outlives the tests.
#
# Only Debian's package works here: downloading a browser from the internet
# (npx playwright install and the like) does not, the network being closed.
set -euo pipefail

say() { printf 'chromium.sh: %s\n' "$*" >&2; }

find_chromium() {
	if [ -x /usr/bin/chromium ]; then
		echo /usr/bin/chromium
		return 0
	fi
	command -v chromium 2>/dev/null
}

if ! bin=$(find_chromium); then
	if [ "$(id -u)" -ne 0 ]; then
		say "Chromium is missing and installing it needs root (apt-get install chromium)"
		exit 1
	fi
	say "installing Debian's chromium package"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2
	apt-get install -y chromium >&2
	bin=$(find_chromium) || {
		say "apt-get installed chromium but no chromium binary is on PATH"
		exit 1
	}
fi

# Asking the version runs the real binary behind Debian's wrapper script, so
# a broken install (a missing shared library) fails here, not in a test.
if ! version=$("$bin" --version 2>/dev/null); then
	say "$bin does not run: try $bin --version"
	exit 1
fi
say "using $bin ($version)"
printf 'export QPAY_CHROMIUM=%q\n' "$bin"
