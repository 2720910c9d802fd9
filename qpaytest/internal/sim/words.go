package sim

import (
	"net/http"
	"strconv"
	"strings"
)

// The page's languages, as the lang attribute and PaymentRequest.Language
// name them.
const (
	LangEnglish = "en"
	LangArabic  = "ar"
)

// words is every word the payment page shows in one language. A route
// supplies no words of its own but proper nouns (its provider's name) and
// the merchant's data (Page), so a new language is one more table here.
type words struct {
	Lang, Dir string

	Title, TitleChoice, TitleError                   string
	Banner, BannerNote                               string
	Via, Order, Amount                               string
	DefaultMerchant                                  string
	ExpiresAt, TimeLeft, ExpiredNow, DohaTime        string
	Choose, QPayHeading, CardHeading, HeadingDirect  string
	CardNumber, Expiry, PIN, OTP, CVC                string
	HintCardNumber, HintExpiry, HintPIN, HintOTP     string
	HintCVC                                          string
	Pay, PayCard, Cancel                             string
	ErrorSummary                                     string
	ErrCardNumber, ErrExpiry, ErrPIN, ErrOTP, ErrCVC string
	ErrForm, ErrAction, ErrMethod                    string
	TestCards, TestCardsNote                         string
	CardCaptured, CardDeclined, OTPFails, AnyPINOTP  string
	VisaCaptured, MagicAmounts                       string
	ReturnLink, NotFound                             string
	Outcomes                                         [ResExpired + 1]string
	Currency                                         func(fixed, code string) string
}

var english = &words{
	Lang: LangEnglish, Dir: "ltr",

	Title: "QPay payment", TitleChoice: "Payment", TitleError: "Error: ",
	Banner:     "TEST · SIMULATOR",
	BannerNote: "This is the qpaytest simulator: no real card is charged and no money moves.",
	Via:        "via", Order: "Order", Amount: "Amount",
	DefaultMerchant: "Test merchant",
	ExpiresAt:       "This page expires at",
	TimeLeft:        "Time left",
	DohaTime:        "Doha time (UTC+3)",
	ExpiredNow:      "This page has expired. Reload it to see the outcome.",
	Choose:          "Choose how to pay: QPay (NAPS debit card) or a credit card.",
	QPayHeading:     "Pay with QPay", CardHeading: "Pay by card", HeadingDirect: "QPay debit card",
	CardNumber: "Card number", Expiry: "Expiry date (MM/YY)", PIN: "PIN",
	OTP: "One-time password (OTP)", CVC: "Security code (CVC)",
	HintCardNumber: "12 to 19 digits, spaces allowed",
	HintExpiry:     "For example 12/49",
	HintPIN:        "4 digits",
	HintOTP:        "4 to 8 digits, as sent by your bank",
	HintCVC:        "3 or 4 digits on the back of the card",
	Pay:            "Pay", PayCard: "Pay by card", Cancel: "Cancel payment",
	ErrorSummary:  "Please correct the following:",
	ErrCardNumber: "Enter the card number: 12 to 19 digits.",
	ErrExpiry:     "Enter the expiry date as MM/YY.",
	ErrPIN:        "Enter your 4-digit PIN.",
	ErrOTP:        "Enter the one-time password: 4 to 8 digits.",
	ErrCVC:        "Enter the card's 3- or 4-digit security code.",
	ErrForm:       "The form could not be read.",
	ErrAction:     "Choose Pay or Cancel.",
	ErrMethod:     "This page does not take this payment method.",
	TestCards:     "Test cards",
	TestCardsNote: "Use any future expiry date.",
	CardCaptured:  "QPay: paid (captured)",
	CardDeclined:  "declined: insufficient funds",
	AnyPINOTP:     "PIN: any 4 digits · OTP: any 4 to 8 digits, for example",
	OTPFails:      "OTP that fails authentication",
	VisaCaptured:  "Visa: paid (captured), any 3-digit CVC",
	MagicAmounts:  "Amounts ending in .51 are declined for insufficient funds, in .05 by the issuer.",
	ReturnLink:    "Return to the merchant",
	NotFound:      "This payment does not exist.",
	Outcomes: [...]string{
		ResCaptured:             "Payment successful.",
		ResInsufficientFunds:    "Payment declined: insufficient funds.",
		ResIssuerDeclined:       "Payment declined by the card issuer.",
		ResAuthenticationFailed: "Payment declined: authentication failed.",
		ResInvalidCard:          "Payment failed: unknown card.",
		ResExpiredCard:          "Payment failed: the card has expired.",
		ResCanceled:             "Payment canceled.",
		ResExpired:              "This payment has expired.",
	},
	Currency: func(fixed, code string) string { return code + " " + fixed },
}

// arabic is the page in Modern Standard Arabic. Digits stay Western
// (0-9), as on Qatari cards and payment pages, and the amount reads
// "79.10 ر.ق" (Qatari riyal).
var arabic = &words{
	Lang: LangArabic, Dir: "rtl",

	Title: "الدفع عبر QPay", TitleChoice: "الدفع", TitleError: "خطأ: ",
	Banner:     "تجريبي · محاكي",
	BannerNote: "هذا محاكي qpaytest: لا تُخصم أي بطاقة حقيقية ولا تنتقل أي أموال.",
	Via:        "عبر", Order: "الطلب", Amount: "المبلغ",
	DefaultMerchant: "تاجر تجريبي",
	ExpiresAt:       "تنتهي صلاحية هذه الصفحة في",
	TimeLeft:        "الوقت المتبقي",
	DohaTime:        "بتوقيت الدوحة",
	ExpiredNow:      "انتهت صلاحية هذه الصفحة. أعد تحميلها لمعرفة النتيجة.",
	Choose:          "اختر طريقة الدفع: QPay (بطاقة الخصم نابس) أو بطاقة ائتمان.",
	QPayHeading:     "الدفع عبر QPay", CardHeading: "الدفع بالبطاقة", HeadingDirect: "بطاقة خصم QPay",
	CardNumber: "رقم البطاقة", Expiry: "تاريخ الانتهاء (شهر/سنة)", PIN: "الرقم السري",
	OTP: "كلمة المرور لمرة واحدة (OTP)", CVC: "رمز الأمان (CVC)",
	HintCardNumber: "من 12 إلى 19 رقمًا، والمسافات مسموحة",
	HintExpiry:     "مثال: 12/49",
	HintPIN:        "4 أرقام",
	HintOTP:        "من 4 إلى 8 أرقام، كما أرسلها مصرفك",
	HintCVC:        "3 أو 4 أرقام على ظهر البطاقة",
	Pay:            "ادفع", PayCard: "ادفع بالبطاقة", Cancel: "إلغاء الدفع",
	ErrorSummary:  "يرجى تصحيح ما يلي:",
	ErrCardNumber: "أدخل رقم البطاقة: من 12 إلى 19 رقمًا.",
	ErrExpiry:     "أدخل تاريخ الانتهاء بالشكل MM/YY.",
	ErrPIN:        "أدخل الرقم السري المكوّن من 4 أرقام.",
	ErrOTP:        "أدخل كلمة المرور لمرة واحدة: من 4 إلى 8 أرقام.",
	ErrCVC:        "أدخل رمز الأمان المكوّن من 3 أو 4 أرقام.",
	ErrForm:       "تعذّرت قراءة النموذج.",
	ErrAction:     "اختر الدفع أو الإلغاء.",
	ErrMethod:     "لا تقبل هذه الصفحة طريقة الدفع هذه.",
	TestCards:     "بطاقات الاختبار",
	TestCardsNote: "استخدم أي تاريخ انتهاء في المستقبل.",
	CardCaptured:  "QPay: دفع ناجح",
	CardDeclined:  "مرفوضة: رصيد غير كافٍ",
	AnyPINOTP:     "الرقم السري: أي 4 أرقام · OTP: أي 4 إلى 8 أرقام، مثال",
	OTPFails:      "رمز OTP يفشل في التحقق",
	VisaCaptured:  "فيزا: دفع ناجح، بأي رمز أمان من 3 أرقام",
	MagicAmounts:  "المبالغ المنتهية بـ ‎.51‎ تُرفض لعدم كفاية الرصيد، والمنتهية بـ ‎.05‎ يرفضها المصدر.",
	ReturnLink:    "العودة إلى التاجر",
	NotFound:      "هذه الدفعة غير موجودة.",
	Outcomes: [...]string{
		ResCaptured:             "تم الدفع بنجاح.",
		ResInsufficientFunds:    "رُفض الدفع: الرصيد غير كافٍ.",
		ResIssuerDeclined:       "رفض مُصدر البطاقة الدفع.",
		ResAuthenticationFailed: "رُفض الدفع: فشل التحقق.",
		ResInvalidCard:          "فشل الدفع: بطاقة غير معروفة.",
		ResExpiredCard:          "فشل الدفع: انتهت صلاحية البطاقة.",
		ResCanceled:             "أُلغي الدفع.",
		ResExpired:              "انتهت صلاحية هذه الدفعة.",
	},
	Currency: func(fixed, code string) string {
		if code == "QAR" {
			code = "ر.ق"
		}
		return fixed + " " + code
	},
}

// wordsFor is the table of lang, English for anything else.
func wordsFor(lang string) *words {
	if lang == LangArabic {
		return arabic
	}
	return english
}

// supported is lang when the page has it, "" otherwise.
func supported(lang string) string {
	switch l := strings.ToLower(strings.TrimSpace(lang)); l {
	case LangEnglish, LangArabic:
		return l
	}
	return ""
}

// pageLanguage is the language the page of a payment is shown in: the
// page's own ?lang= query (a tester's explicit choice, and the only way to
// an Arabic page for Tap and the Mastercard Gateway, which send no
// language), else the route's (Checkout's source.language), else the
// browser's Accept-Language, else English.
func pageLanguage(r *http.Request, route string) string {
	if l := supported(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if l := supported(route); l != "" {
		return l
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

// acceptLanguage is the supported language the header prefers most
// (RFC 9110 §12.5.4: the highest q wins, the first among equals), English
// when it names none of them.
func acceptLanguage(h string) string {
	best, bestQ := LangEnglish, 0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(tag, "-")
		l := supported(primary)
		if l == "" {
			continue
		}
		q := 1000
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if q, ok = qvalue(v); !ok {
				continue
			}
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// qvalue reads a weight (RFC 9110 §12.4.2: "0" to "1", at most three
// decimals) in thousandths, without floating point.
func qvalue(v string) (int, bool) {
	whole, frac, _ := strings.Cut(v, ".")
	if (whole != "0" && whole != "1") || len(frac) > 3 || (frac != "" && !allDigits(frac)) {
		return 0, false
	}
	n, _ := strconv.Atoi((frac + "000")[:3])
	if whole == "1" {
		if n != 0 {
			return 0, false
		}
		return 1000, true
	}
	return n, true
}
