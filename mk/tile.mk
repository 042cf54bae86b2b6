# Layout options of dgc (--dense, --target, --tile, --vector-width,
# --calibrate) from the command line.
.PHONY: cli-tile
cli-tile: dgc
	@sh tests/cli/tile.sh ./dgc

CHECK_SUITES += cli-tile
