# dgc.mk: compile DynamicGate-MLP models (.dg) to C inside a Make build.
#
#   DGC = path/to/dgc                     # default: dgc on the PATH
#   DGC_FLAGS = --target cortex-m4        # the core's preset (docs/embedding.md)
#   include path/to/dgc.mk
#   $(call dgc_model,models/net.dg)                    # dgc-out/net.c, dgc-out/net.h
#   $(call dgc_model,models/net.dg,--prefix net,gen)   # extra options, output directory
#   app.elf: main.o $(DGC_SRCS:.c=.o)
#   main.o: $(DGC_HDRS)                   # main.c includes net.h: generate it first
#   CFLAGS += -Idgc-out
#
# dgc_model takes the model, options for this model only, and the output
# directory (default $(DGC_OUT), dgc-out); it appends the .c to DGC_SRCS and
# the .h to DGC_HDRS. DGC_FLAGS holds options for every model.
#
# A model's C is regenerated when the .dg changes, a weight file it names
# changes (found from its `weights "FILE";` statements, one per line), the
# options change (DGC_FLAGS or the model's own: kept in NAME.flags), or the
# dgc program changes (DGC_DEPS, default: $(DGC) when it is a path to a file).
# dgc writes its outputs whole or not at all, so a failed run leaves nothing
# stale behind. Paths with spaces are not supported.

DGC ?= dgc
DGC_OUT ?= dgc-out
DGC_DEPS ?= $(wildcard $(DGC))

dgc_model = $(eval $(call dgc__model,$(1),$(strip $(2)),$(or $(strip $(3)),$(DGC_OUT)),$(basename $(notdir $(1)))))

# $(1) model, $(2) options, $(3) output directory, $(4) model file name
# The rules leave the makefile's default goal as it was.
define dgc__model
dgc__goal := $$(.DEFAULT_GOAL)
DGC_SRCS += $(3)/$(4).c
DGC_HDRS += $(3)/$(4).h
$(3)/$(4).h: $(3)/$(4).c ;
$(3)/$(4).c: $(1) $(3)/$(4).flags $(DGC_DEPS)
	@mkdir -p $(3)
	$$(DGC) $$(DGC_FLAGS) $(2) $(1) -o $$@ --header $(3)/$(4).h
	@sed -n 's/^[[:space:]]*weights[[:space:]]*"\([^"]*\)".*/\1/p' $(1) | \
	  while read -r w; do echo "$$@: $(dir $(1))$$$$w"; echo "$(dir $(1))$$$$w:"; done > $(3)/$(4).d
$(3)/$(4).flags: dgc__force
	@mkdir -p $(3)
	@echo '$$(DGC_FLAGS) $(2)' | cmp -s - $$@ || echo '$$(DGC_FLAGS) $(2)' > $$@
-include $(3)/$(4).d
.DEFAULT_GOAL := $$(dgc__goal)
endef

dgc__goal := $(.DEFAULT_GOAL)
.PHONY: dgc__force
dgc__force:
.DEFAULT_GOAL := $(dgc__goal)
