// `optinctl receipt verify FILE|-`: checks a consent or erasure receipt (compact JWS, ES256) the
// box handed out, offline, with the box's public key (from the data dir, or --key: a JWK, the
// JWK set of GET /v1/device/keys, or a PEM public key), and says what it records. Single-threaded.
#pragma once

#include "app/config.h"
#include "command_line.h"

// Returns the exit status: 0 when the signature verifies, 1 when it does not or the receipt or
// key cannot be read.
int RunReceiptVerify(const optin::app::Config& config, const optinctl::Invocation& invocation);
