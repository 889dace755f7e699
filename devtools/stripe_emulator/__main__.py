"""Command line: python -m devtools.stripe_emulator --port PORT [--webhook-url URL ...]."""

import argparse
import sys

from . import Emulator, EmulatorRefused, check_environment, check_host


def main(argv=None):
    """Parse arguments, check the environment and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.stripe_emulator",
        description="Stripe v1 API emulator (development/test only).",
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address only")
    parser.add_argument("--webhook-url")
    parser.add_argument("--webhook-secret")
    parser.add_argument(
        "--retry-backoff",
        type=float,
        default=0.2,
        help="first retry delay in seconds (doubles each attempt)",
    )
    parser.add_argument("--max-attempts", type=int, default=6)
    parser.add_argument("--quiet", action="store_true", help="no request log lines")
    args = parser.parse_args(argv)
    if args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret")
    try:
        check_environment()
        check_host(args.host)
        emu = Emulator(
            args.host,
            args.port,
            args.webhook_url,
            args.webhook_secret,
            args.retry_backoff,
            args.max_attempts,
            quiet=args.quiet,
        )
    except EmulatorRefused as exc:
        print(exc, file=sys.stderr)
        return 2
    print(
        f"Stripe emulator listening on {emu.url}"
        + (f", webhooks to {args.webhook_url}" if args.webhook_url else ""),
        flush=True,
    )
    try:
        emu.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emu.sender.stop()
        emu.server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
