package tapsim

import (
	"encoding/json"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
)

// Tap's hosted pages and marketplace destinations, as the Charges API
// describes them: source.id src_all shows every method enabled on the
// merchant (QPay and cards on the simulated account), src_card cards
// only; destinations splits a charge with sub-merchants.

const (
	tapSourceAll   = "src_all"
	tapSourceCards = "src_card"
	// maxDestinations is the simulator's bound: Tap documents none.
	maxDestinations = 50
)

// methodsOf is what the page of a charge with this source offers; ok is
// false for a source the simulated account does not have.
func methodsOf(source string) (methods []string, ok bool) {
	switch source {
	case tapQPaySource:
		return nil, true
	case tapSourceAll:
		return []string{sim.MethodQPay, sim.MethodCard}, true
	case tapSourceCards:
		return []string{sim.MethodCard}, true
	}
	return nil, false
}

// tapDestinations is Tap's destinations object, in requests and, as the
// simulator answers (Tap's own echo is UNCONFIRMED), in charge and refund
// objects.
type tapDestinations struct {
	Destination []tapDestination `json:"destination"`
}

type tapDestination struct {
	ID       string          `json:"id"`
	Amount   json.RawMessage `json:"amount"`
	Currency string          `json:"currency"`
}

// share is one destination, read.
type share struct {
	id     string
	amount money.Money
}

// readDestinations checks a request's destinations against the amount
// they split: each with an ID, a positive amount in the same currency, the
// sum at most the amount (the rest stays with the marketplace). Tap
// documents the field, not its error codes: 1103 is UNCONFIRMED.
func readDestinations(d *tapDestinations, amount money.Money) ([]share, []tapError) {
	if d == nil {
		return nil, nil
	}
	if len(d.Destination) == 0 || len(d.Destination) > maxDestinations {
		return nil, []tapError{{"1103", "Invalid inputs: destinations.destination must list 1 to 50 destinations"}}
	}
	out := make([]share, 0, len(d.Destination))
	sum, _ := money.FromMinor(0, amount.Currency())
	for _, x := range d.Destination {
		m, ok := tapAmount(x.Amount, amount.Currency())
		switch {
		case x.ID == "":
			return nil, []tapError{{"1103", "Invalid inputs: destination id is required"}}
		case !ok || x.Currency != amount.Currency():
			return nil, []tapError{{"1103", "Invalid inputs: destination amount must be positive, in the charge's currency"}}
		}
		sum, _ = sum.Add(m)
		out = append(out, share{x.ID, m})
	}
	if c, _ := sum.Cmp(amount); c > 0 {
		return nil, []tapError{{"1103", "Invalid inputs: the destinations add up to more than the amount"}}
	}
	return out, nil
}

// echo renders shares as Tap's destinations object, nil for none.
func echo(shares []share) *tapDestinationsJSON {
	if len(shares) == 0 {
		return nil
	}
	out := &tapDestinationsJSON{}
	for _, s := range shares {
		out.Destination = append(out.Destination, tapDestinationJSON{ID: s.id, Amount: tapNumber(s.amount), Currency: s.amount.Currency()})
	}
	return out
}

type tapDestinationsJSON struct {
	Destination []tapDestinationJSON `json:"destination"`
}

type tapDestinationJSON struct {
	ID       string      `json:"id"`
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

// cardSource is the source and card of a charge paid by card on a hosted
// page, as in Tap's Charges reference ("Expected Response" of a src_all
// charge paid by Visa).
func cardSource(p *sim.Payment) (tapSource, *tapCard) {
	return tapSource{Object: "token", Type: "CARD_NOT_PRESENT", PaymentType: "CREDIT", Channel: "INTERNET",
			ID: "tok_" + p.ID[len("chg_"):], PaymentMethod: "VISA"},
		&tapCard{Object: "card", FirstSix: p.CardFirst6, Scheme: "VISA", Brand: "VISA", Type: "CREDIT", LastFour: p.CardLast4}
}

// destinationsOfCharge checks a refund's destinations against the
// charge's: each one of the charge's, for at most its share.
func destinationsOfCharge(refund, charge []share) []tapError {
	for _, r := range refund {
		found := false
		for _, c := range charge {
			if c.id == r.id {
				found = true
				if cmp, _ := r.amount.Cmp(c.amount); cmp > 0 {
					return []tapError{{"1103", "Invalid inputs: destination " + r.id + " is refunded more than its share"}}
				}
			}
		}
		if !found {
			return []tapError{{"1103", "Invalid inputs: destination " + r.id + " is not one of the charge's"}}
		}
	}
	return nil
}
