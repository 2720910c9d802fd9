package store_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// A store's keys (accounts, providers, event IDs) refuse what internal/text.IsHidden
// names, C1 controls and invisible format characters included: the same
// rule as qpay's references and the portable layer's event IDs, so that an
// event the Provider returns is one a store can file, and two keys that
// look the same are the same key.
func TestKeysRefuseHiddenCharacters(t *testing.T) {
	amount := money.MustParse("1.00", "QAR")
	event := func(id, account string) *qpay.WebhookEvent {
		return &qpay.WebhookEvent{ID: id, Provider: "tap", Account: account, Type: qpay.EventPayment,
			Payment: &qpay.Payment{Provider: "tap", Account: account, ID: "chg_1", Status: status.Captured, Amount: amount}}
	}
	tests := []struct {
		name       string
		id, acct   string
		badID, bad bool // bad: the account is refused too
	}{
		{"ordinary", "tap:chg_1:CAPTURED", "shop-1", false, false},
		{"Arabic account", "evt_1", "متجر", false, false},
		{"event ID of 255 bytes", strings.Repeat("e", 255), "", false, false},
		{"event ID of 256 bytes", strings.Repeat("e", 256), "", true, false},
		{"event ID with U+0085", "evt_\u00851", "", true, false},
		{"event ID with U+009B", "evt_\u009b1", "", true, false},
		{"event ID with DEL", "evt_\x7f1", "", true, false},
		{"account with U+009B", "evt_1", "shop\u009b1", true, true},
		{"account with a right-to-left override", "evt_1", "shop\u202e1", true, true},
		{"account with a zero-width joiner", "evt_1", "shop\u200d1", true, true},
		{"account with a byte order mark", "evt_1", "\ufeffshop", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := store.Keys(event(tt.id, tt.acct))
			if tt.badID {
				assert.ErrorIs(t, err, qpay.KindInvalidRequest)
			} else {
				assert.NoError(t, err)
			}
			err = store.CheckPayment(&qpay.Payment{Provider: "tap", Account: tt.acct, ID: "chg_1", Status: status.Pending, Amount: amount})
			if tt.bad {
				assert.ErrorIs(t, err, qpay.KindInvalidRequest)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}
