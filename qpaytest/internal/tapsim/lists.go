package tapsim

// ChargesFilter is a behaviour of Tap's refund list toward its
// undocumented "charges" filter (UNCONFIRMED at Tap), which an adapter
// must survive in every form.
type ChargesFilter uint8

// The behaviours.
const (
	ChargesFilterHonoured ChargesFilter = iota // only the named charges' refunds are listed
	ChargesFilterIgnored                       // the field is accepted and every refund is listed
	ChargesFilterRefused                       // 400, an unknown field
)

// SetChargesFilter sets what the refund list does with a "charges"
// filter; call it before the route is mounted.
func (rt *Route) SetChargesFilter(f ChargesFilter) { rt.chargesFilter = f }
