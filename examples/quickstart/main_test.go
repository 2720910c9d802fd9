package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

func TestOfflineFlowSucceedsForTheThreeRoutes(t *testing.T) {
	var out, errs bytes.Buffer
	code := run(context.Background(), nil, &out, &errs)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out.String(), errs.String())
	for _, want := range []string{"== tap ==", "== checkout ==", "== mpgs ==", "webhook verified", "partially_refunded", "OK: all three routes",
		"by the reconciler: no webhook came", "abandoned payment reached expired"} {
		assert.Contains(t, out.String(), want)
	}
	assert.Empty(t, errs.String())
}

func TestAStepThatMissesItsStateFailsTheRun(t *testing.T) {
	for _, name := range []string{providers.Tap, providers.Checkout, providers.MPGS} {
		t.Run(name, func(t *testing.T) {
			sim, err := qpaytest.NewServer(qpaytest.Options{})
			require.NoError(t, err)
			defer sim.Close()
			sim.DeclineNext() // the shopper's payment will be declined
			var out bytes.Buffer
			err = flow(context.Background(), sim, name, &out)
			assert.ErrorContains(t, err, "got failed, want captured")
			assert.Contains(t, out.String(), "FAILED")
		})
	}
}

func TestLiveModeCreatesAPaymentWithTheEnvironmentsAccount(t *testing.T) {
	sim, err := qpaytest.NewServer(qpaytest.Options{})
	require.NoError(t, err)
	defer sim.Close()
	// The simulator stands in for the real provider here.
	t.Setenv("QPAY_PROVIDER", "tap")
	t.Setenv("QPAY_SECRET_KEY", sim.TapSecretKey().Reveal())
	t.Setenv("QPAY_BASE_URL", sim.TapBaseURL())

	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"-live", "-amount", "1.00", "-return-url", "https://shop.example/qpay/return"}, &out, &errs)
	require.Equal(t, 0, code, errs.String())
	assert.Contains(t, out.String(), "created tap payment chg_")
	assert.Contains(t, out.String(), sim.URL()+"/pay/")
	assert.NotContains(t, out.String()+errs.String(), sim.TapSecretKey().Reveal())
}

func TestLiveModeWithoutConfigurationIsAUsageError(t *testing.T) {
	t.Setenv("QPAY_PROVIDER", "")
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"-live"}, &out, &errs)
	assert.Equal(t, 2, code)
	assert.True(t, strings.Contains(errs.String(), "QPAY_SECRET_KEY"), errs.String())
}

func TestUsage(t *testing.T) {
	var out, errs bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, &out, &errs))
	assert.Contains(t, errs.String(), "-live")
	assert.Equal(t, 2, run(context.Background(), []string{"extra"}, &out, &errs))
	assert.Equal(t, 2, run(context.Background(), []string{"-nope"}, &out, &errs))
}
