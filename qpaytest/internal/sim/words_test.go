package sim

import (
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAcceptLanguage(t *testing.T) {
	cases := []struct{ header, want string }{
		{"", LangEnglish},
		{"ar", LangArabic},
		{"ar-QA,ar;q=0.9,en;q=0.5", LangArabic},
		{"en-GB,en;q=0.9,ar;q=0.8", LangEnglish},
		{"fr-FR,ar;q=0.7,en;q=0.3", LangArabic},
		{"ar;q=0, en", LangEnglish},
		{"AR-qa", LangArabic},
		{"de, fr", LangEnglish},
		{"ar;q=oops", LangEnglish},
		{"en;q=0.5, ar;q=0.501", LangArabic},
		{"en;q=0.5, ar;q=1.5", LangEnglish},
		{"en;q=0.5, ar;q=1.000", LangArabic},
		{"en;q=0.9, ar;q=0.9", LangEnglish},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, acceptLanguage(c.header), "Accept-Language: %q", c.header)
	}
}

func TestPageLanguageOrder(t *testing.T) {
	cases := []struct{ name, target, accept, route, want string }{
		{"default", "/pay/x", "", "", LangEnglish},
		{"the browser's", "/pay/x", "ar", "", LangArabic},
		{"the route's over the browser's", "/pay/x", "en", "ar", LangArabic},
		{"the query over the route's", "/pay/x?lang=en", "", "ar", LangEnglish},
		{"the query", "/pay/x?lang=AR", "", "", LangArabic},
		{"an unknown query is ignored", "/pay/x?lang=fr", "ar", "", LangArabic},
		{"an unknown route language is ignored", "/pay/x", "", "fr", LangEnglish},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.target, nil)
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		assert.Equal(t, c.want, pageLanguage(r, c.route), c.name)
	}
}

// TestEveryWordIsTranslated fails when a word is added in one language
// and not the other, or left in English in the Arabic table.
func TestEveryWordIsTranslated(t *testing.T) {
	en, ar := reflect.ValueOf(*english), reflect.ValueOf(*arabic)
	for i := 0; i < en.NumField(); i++ {
		name := en.Type().Field(i).Name
		switch e, a := en.Field(i), ar.Field(i); e.Kind() {
		case reflect.String:
			assert.NotEmpty(t, e.String(), "english.%s", name)
			assert.NotEmpty(t, a.String(), "arabic.%s", name)
			assert.NotEqual(t, e.String(), a.String(), "arabic.%s is not translated", name)
		case reflect.Array:
			for j := 1; j < e.Len(); j++ {
				assert.NotEmpty(t, e.Index(j).String(), "english.%s[%d]", name, j)
				assert.NotEmpty(t, a.Index(j).String(), "arabic.%s[%d]", name, j)
				assert.NotEqual(t, e.Index(j).String(), a.Index(j).String(), "arabic.%s[%d]", name, j)
			}
		}
	}
	assert.Equal(t, "79.10 ر.ق", arabic.Currency("79.10", "QAR"))
	assert.Equal(t, "QAR 79.10", english.Currency("79.10", "QAR"))
}
