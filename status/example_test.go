package status_test

import (
	"errors"
	"fmt"

	"github.com/qpay-go/qpay/status"
)

// A "pending" webhook delayed past the "captured" one must not roll the
// payment back.
func ExampleApply() {
	current := status.Pending
	for _, event := range []status.Status{status.Captured, status.Pending, status.Captured, status.Refunded} {
		var applied bool
		current, applied = status.Apply(current, event)
		fmt.Printf("%-9s applied=%-5t now %s\n", event, applied, current)
	}
	// Output:
	// captured  applied=true  now captured
	// pending   applied=false now captured
	// captured  applied=false now captured
	// refunded  applied=true  now refunded
}

// Check says why a report was ignored: a late or repeated webhook is old
// news, a contradiction deserves an alert.
func ExampleCheck() {
	for _, event := range []status.Status{status.Pending, status.Captured, status.Failed, status.Refunded} {
		err := status.Check(status.Captured, event)
		switch {
		case err == nil:
			fmt.Println("apply", event)
		case errors.Is(err, status.ErrIllegal):
			fmt.Println("alert:", err)
		default:
			fmt.Println("ignore:", err)
		}
	}
	// Output:
	// ignore: status: stale event, the current state is further along: from captured to pending
	// ignore: status: already in that state: from captured to captured
	// alert: status: illegal transition: from captured to failed
	// apply refunded
}

func ExampleApplyRefund() {
	r, _ := status.ApplyRefund(status.RefundPending, status.RefundSucceeded)
	r, applied := status.ApplyRefund(r, status.RefundFailed)
	fmt.Println(r, applied, status.CheckRefund(status.RefundSucceeded, status.RefundFailed))
	// Output: succeeded false status: illegal transition: from succeeded to failed
}

func ExampleParse() {
	s, err := status.Parse("partially_refunded")
	fmt.Println(s, s.Succeeded(), s.Terminal(), err)
	_, err = status.Parse("CAPTURED")
	fmt.Println(errors.Is(err, status.ErrInvalid), err)
	// Output:
	// partially_refunded true false <nil>
	// true status: invalid status: "CAPTURED"
}
