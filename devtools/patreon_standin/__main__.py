"""python -m devtools.patreon_standin --port PORT [--webhook-url URL --webhook-secret S]."""

import argparse
import sys

from . import PatreonStandin, StandinRefused, check_environment


def main(argv=None) -> int:
    """Parse the arguments, check the environment and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.patreon_standin",
        description="Patreon stand-in (development and tests).",
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address only")
    parser.add_argument("--webhook-url")
    parser.add_argument("--webhook-secret")
    parser.add_argument("--campaign", default="4242", help="the campaign id it serves")
    parser.add_argument("--token", default="standin-token", help="the access token it accepts")
    parser.add_argument("--quiet", action="store_true", help="no line per request")
    args = parser.parse_args(argv)
    if args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret")
    try:
        check_environment()
        standin = PatreonStandin(
            args.host,
            args.port,
            quiet=args.quiet,
            campaign_id=args.campaign,
            token=args.token,
            webhook_url=args.webhook_url,
            webhook_secret=args.webhook_secret,
        )
    except StandinRefused as exc:
        print(exc, file=sys.stderr)
        return 2
    print(
        f"Patreon stand-in on {standin.url}"
        + (f", webhooks to {args.webhook_url}" if args.webhook_url else ""),
        flush=True,
    )
    try:
        standin.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        standin.server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
