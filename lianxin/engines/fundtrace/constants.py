"""Constants of the funds tracing engine (units in the names)."""

ENGINE_VERSION = "fundtrace-1.0.0"

POLICIES = ("fifo", "lifo", "haircut", "poison")
# Policies that move money without creating it: held + passed on + sunk = received.
CONSERVING_POLICIES = ("fifo", "lifo", "haircut")

# 紧急止付 (银发〔2016〕86号): a stop holds 48 hours; an account may be stopped at most twice.
STOP_PAYMENT_HOLD_HOURS = 48
STOP_PAYMENT_MAX_TIMES = 2

DEFAULT_HORIZON_SECONDS = 72 * 3600
DEFAULT_MAX_HOPS = 8
DEFAULT_MIN_AMOUNT_FEN = 100 * 100
# Accounts with more transfers than this (in + out, whole ledger) are merchants or payment
# platforms: money reaching them is reported as a sink, never expanded.
DEFAULT_HUB_DEGREE = 1000

# Channels whose transfers leave the ledger (cash-out, third-party wallets).
CASH_CHANNELS = frozenset({"ATM", "atm", "现金", "柜面取现", "cash"})
THIRD_PARTY_CHANNELS = frozenset({"第三方支付", "third_party", "支付宝", "微信支付", "财付通"})
CASH_ACCOUNT_PREFIXES = ("ATM", "CASH", "现金")
