// Package money represents payment amounts exactly.
//
// A payment library that is off by one minor unit is wrong, so this package
// follows a few rules that callers can rely on:
//
//   - Amounts are exact decimals (github.com/shopspring/decimal). Binary
//     floating point is never used, not even for conversions, because 0.1 has
//     no exact float representation. A test enforces this for the whole module.
//   - Every Money carries an ISO 4217 currency, and the currency fixes how many
//     decimals an amount may have (its minor-unit exponent: QAR 2, KWD 3,
//     JPY 0). Currency codes are matched exactly; "qar" is not QAR.
//   - An amount with more decimals than its currency allows (QAR 0.001) is an
//     error, ErrTooPrecise. Nothing is ever rounded silently: whoever produced
//     the extra digits has to decide what they meant.
//   - Amounts are never negative. A charge, refund or capture is a magnitude;
//     its direction is part of the operation, not the number.
//   - Amounts in different currencies never mix: they cannot be added,
//     subtracted or compared (ErrCurrencyMismatch).
//
// Money is a small immutable value; pass and compare it by value (with Equal,
// not ==). Its zero value means "no amount" and has no currency.
//
// All errors wrap one of the package's Err variables, so callers can test them
// with errors.Is, and their text says which input was wrong.
package money
