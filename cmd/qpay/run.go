package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// The exit statuses, as --help documents them.
const (
	exitOK     = 0
	exitFailed = 1 // the operation failed
	exitUsage  = 2 // qpay was called wrongly or the environment is incomplete
)

const exitStatusHelp = `
Exit status:
  0  success
  1  the operation failed: a provider error, a network failure, a webhook
     that does not verify, a delivery that cannot be read
  2  usage error: unknown command, bad flags or arguments, or a missing or
     invalid configuration in the environment
`

const keysHelp = `
Keys are read from the environment only (QPAY_SECRET_KEY, QPAY_WEBHOOK_SECRET,
QPAY_WEBHOOK_AUTHORIZATION), never from flags: flags end up in shell history
and in process lists. No command prints a key it read from the environment.
`

// env is what a command may touch of the outside world, so that tests run
// every command in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookup         func(string) (string, bool)
}

// command is one subcommand. run returns nil on success; exit turns any
// error into a message and an exit status.
type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

// commands is a function rather than a package variable so that nothing in
// the program is mutable global state.
func commands() []command {
	return []command{
		{"sandbox", "run the offline Tap and Checkout.com simulator on a local port", runSandbox},
		{"verify-webhook", "verify a captured webhook delivery and print its normalized event", runVerifyWebhook},
		{"create", "create a payment and print the page to send the shopper to", runCreate},
		{"trigger", "send a signed webhook of a chosen kind to an endpoint, like stripe trigger", runTrigger},
		{"get", "read a payment back from the provider", runGet},
		{"refund", "refund all or part of a captured payment", runRefund},
	}
}

// run is the whole program behind main, with its inputs and outputs passed
// in. It returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, lookup: lookup}
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage())
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, topUsage())
		return exitOK
	case "help":
		if len(rest) == 0 || rest[0] == "-h" || rest[0] == "-help" || rest[0] == "--help" {
			fmt.Fprint(stdout, topUsage())
			return exitOK
		}
		// "qpay help get" is "qpay get --help".
		name, rest = rest[0], []string{"--help"}
	}
	for _, c := range commands() {
		if c.name == name {
			return e.exit(c.name, c.run(ctx, e, rest))
		}
	}
	fmt.Fprintf(stderr, "qpay: unknown command %q\nRun 'qpay --help' for the list of commands.\n", name)
	return exitUsage
}

func topUsage() string {
	var b strings.Builder
	b.WriteString(`qpay runs an offline QPay simulator, verifies captured webhooks, and reads or
refunds payments at Tap Payments or Checkout.com.

Usage:
  qpay <command> [flags] [arguments]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-15s %s\n", c.name, c.summary)
	}
	b.WriteString(`  help            show the help of a command: qpay help <command>

Run 'qpay <command> --help' for a command's flags.
`)
	b.WriteString(keysHelp)
	b.WriteString(exitStatusHelp)
	return b.String()
}

// usageError is a mistake in how qpay was called or configured: exit
// status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// helpRequest carries a command's usage when it was asked for with --help:
// exit status 0, printed to stdout.
type helpRequest struct{ text string }

func (h *helpRequest) Error() string { return "help requested" }

// exit prints err where it belongs and returns the exit status.
func (e *env) exit(cmd string, err error) int {
	var (
		help  *helpRequest
		usage *usageError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &help):
		fmt.Fprint(e.stdout, help.text)
		return exitOK
	case errors.As(err, &usage):
		fmt.Fprintf(e.stderr, "qpay %s: %s\nRun 'qpay %s --help' for usage.\n", cmd, unprefixed(usage.msg), cmd)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "qpay %s: %s\n", cmd, unprefixed(err.Error()))
		return exitFailed
	}
}

// unprefixed drops the "qpay: " that every *qpay.Error starts with: the
// line already starts with "qpay <command>: ", and "qpay refund: qpay:
// tap refund: ..." says it twice.
func unprefixed(msg string) string {
	return strings.TrimPrefix(msg, "qpay: ")
}

// flags is one subcommand's FlagSet with the text of its --help.
type flags struct {
	*flag.FlagSet
	synopsis, about string
}

// newFlags returns the flags of "qpay name". Package flag prints nothing
// itself: parse decides between stdout (--help) and stderr (mistakes).
func newFlags(name, synopsis, about string) *flags {
	fs := flag.NewFlagSet("qpay "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &flags{FlagSet: fs, synopsis: synopsis, about: about}
}

func (f *flags) usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage:\n  %s\n\n%s\n", f.synopsis, strings.TrimSpace(f.about))
	hasFlags := false
	f.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		b.WriteString("\nFlags:\n")
		f.SetOutput(&b)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
	}
	b.WriteString(exitStatusHelp)
	return b.String()
}

// parse parses args and returns the arguments that are not flags. Unlike
// package flag it accepts flags after arguments ("qpay get chg_1 -json"),
// as people type them; "--" still ends the flags.
func (f *flags) parse(args []string) ([]string, error) {
	var positional []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpRequest{text: f.usage()}
			}
			return nil, usagef("%s", f.explainFlagError(err))
		}
		rest := f.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// explainFlagError adds why there is no flag for a key when someone tries
// to pass one, and what a duration flag accepts.
func (f *flags) explainFlagError(err error) string {
	msg := err.Error()
	var value, flagName string
	if _, scanErr := fmt.Sscanf(msg, "invalid value %q for flag -%s", &value, &flagName); scanErr == nil {
		flagName = strings.TrimSuffix(flagName, ":")
		if fl := f.Lookup(flagName); fl != nil {
			if g, ok := fl.Value.(flag.Getter); ok {
				if _, isDuration := g.Get().(time.Duration); isDuration {
					return fmt.Sprintf("-%s %q is not a duration: write a number with a unit, such as \"30m\", \"90s\" or \"1h\"", flagName, value)
				}
			}
		}
	}
	name, undefined := strings.CutPrefix(msg, "flag provided but not defined: -")
	if !undefined || !looksLikeSecretName(name) {
		return msg
	}
	return msg + "; keys are read from the environment only (QPAY_SECRET_KEY, QPAY_WEBHOOK_SECRET, " +
		"QPAY_WEBHOOK_AUTHORIZATION), never from flags, which end up in shell history and process lists"
}

func looksLikeSecretName(name string) bool {
	name = strings.ToLower(name)
	for _, w := range []string{"key", "secret", "token", "password", "auth"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
