package money

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// jsonMoney is the wire form. The amount is a string because a JSON number
// is a float to most decoders, and floats cannot hold 0.10 exactly.
type jsonMoney struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// MarshalJSON encodes m as {"amount":"79.10","currency":"QAR"}, with the
// amount as a string in Fixed form. The zero value encodes as null.
func (m Money) MarshalJSON() ([]byte, error) {
	if m.currency == "" {
		return []byte("null"), nil
	}
	return json.Marshal(jsonMoney{Amount: m.Fixed(), Currency: m.currency})
}

// UnmarshalJSON decodes the form written by MarshalJSON and validates it
// exactly like Parse. The amount must be a JSON string: a JSON number is
// ErrInvalidAmount, so that no float decoder ever touches it. null decodes to
// the zero value. On error m is left unchanged.
func (m *Money) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*m = Money{}
		return nil
	}
	var raw struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf(`money: want {"amount":"79.10","currency":"QAR"}: %w (%v)`, ErrInvalidAmount, err)
	}
	if len(raw.Amount) == 0 {
		return fmt.Errorf("money: JSON object has no amount: %w", ErrInvalidAmount)
	}
	var amount string
	if raw.Amount[0] != '"' || json.Unmarshal(raw.Amount, &amount) != nil {
		return fmt.Errorf("money: JSON amount must be a string such as \"79.10\", got %.40s: %w", raw.Amount, ErrInvalidAmount)
	}
	v, err := Parse(amount, raw.Currency)
	if err != nil {
		return fmt.Errorf("money: decoding JSON: %w", err)
	}
	*m = v
	return nil
}
