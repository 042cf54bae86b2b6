# firmware (issue 6): generated C in firmware builds.
#   fw-cross    every models/*.dg and tests/firmware/gatepath.dg compiled for
#               Cortex-M4F, M3, M0 and rv32imafc; each object checked for no
#               malloc/printf, libm only where needed, no writable data
#   fw-test     the test firmware (tests/firmware) built with dgc.mk for
#               Cortex-M4F and with CMake for Cortex-M3, run under qemu and
#               compared with the reference interpreter
#   fw-figures  flash, RAM, stack and instructions per inference (not in check)
FW   = $(B)/fw
FWS  = tests/firmware
DGC := ./dgc
DGC_DEPS := dgc
include dgc.mk

FW_CFLAGS = -std=c99 -Wall -Wextra -Werror -pedantic -O2
FW_CC_m4f = arm-none-eabi-gcc
FW_CC_m3 = arm-none-eabi-gcc
FW_CC_m0 = arm-none-eabi-gcc
FW_CC_rv32 = riscv64-unknown-elf-gcc
FW_ARCH_m4f = -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
FW_ARCH_m3 = -mcpu=cortex-m3 -mthumb -mfloat-abi=soft
FW_ARCH_m0 = -mcpu=cortex-m0 -mthumb -mfloat-abi=soft
# picolibc when installed; otherwise freestanding with newlib's headers
# (compile-only: the object needs math.h's declarations, no library).
FW_RV_SPECS := $(shell riscv64-unknown-elf-gcc -print-file-name=picolibc.specs 2>/dev/null)
FW_ARCH_rv32 = -march=rv32imafc -mabi=ilp32f \
  $(if $(filter /%,$(FW_RV_SPECS)),--specs=picolibc.specs,-ffreestanding -isystem /usr/include/newlib)
FW_TARGETS = m4f m3 m0 rv32
# dgc's layout preset per target (docs/embedding.md): every one is scalar
# (one lane). The M3 has no FPU, like the M0: its preset is cortex-m0's.
# rv32imafc has a single-precision FPU with 32 registers: cortex-m4's.
FW_DGC_m4f = --target cortex-m4
FW_DGC_m3 = --target cortex-m0
FW_DGC_m0 = --target cortex-m0
FW_DGC_rv32 = --target cortex-m4

# Targets whose FPU is single-precision: their objects may call no
# double-precision helper (gate decisions and top-k are float or integer).
FW_SINGLE_FPU = m4f rv32
# Models whose C must need no libm at all.
FW_NO_LIBM = gatepath
FW_CROSS_MODELS := $(sort $(wildcard models/*.dg)) $(FWS)/gatepath.dg
fw_name = $(basename $(notdir $(1)))
fw_sp := $(subst ,, )

# fw-cross: C with the default prefix and each target's preset in
# $(FW)/gen/TARGET, one object per target.
$(foreach t,$(FW_TARGETS),$(foreach m,$(FW_CROSS_MODELS),$(call dgc_model,$(m),$(FW_DGC_$(t)),$(FW)/gen/$(t))))
define fw__cross
$(FW)/cross/$(1)/%.o: $(FW)/gen/$(1)/%.c
	@mkdir -p $$(@D)
	$$(FW_CC_$(1)) $$(FW_ARCH_$(1)) $$(FW_CFLAGS) -fstack-usage -fcallgraph-info=su -c -o $$@ $$<
endef
$(foreach t,$(FW_TARGETS),$(eval $(call fw__cross,$(t))))
FW_CROSS_OBJS := $(foreach t,$(FW_TARGETS),$(foreach m,$(FW_CROSS_MODELS),$(FW)/cross/$(t)/$(call fw_name,$(m)).o))

.PHONY: fw-cross fw-cross-self fw-test fw-figures
# The checker must reject each fault of bad_object.c and pass it without.
FW_BAD = MALLOC PRINTF LIBM DATA BSS DOUBLE
fw-cross-self: $(FWS)/bad_object.c $(FWS)/check_object.sh
	@mkdir -p $(FW)/bad
	@set -e; for b in NONE $(FW_BAD); do \
	  $(FW_CC_m4f) $(FW_ARCH_m4f) $(FW_CFLAGS) -DBAD_$$b -c -o $(FW)/bad/$$b.o $<; \
	  if sh $(FWS)/check_object.sh $(FW)/bad/$$b.o arm-none-eabi-nm arm-none-eabi-size "" single \
	       >/dev/null 2>$(FW)/bad/$$b.err; then r=pass; else r=fail; fi; \
	  [ "$$b-$$r" = NONE-pass ] || [ "$$b" != NONE -a $$r = fail ] || \
	    { echo "fw-cross: check_object.sh did $$r bad_object.c with BAD_$$b"; cat $(FW)/bad/$$b.err; exit 1; }; \
	done; echo "fw-cross: check_object.sh rejects malloc, printf, libm, .data, .bss and double helpers"

fw-cross: $(FW_CROSS_OBJS) $(FW)/m0/gatepath/fw.elf $(FW)/fw_libm fw-cross-self
	@set -e; for m in $(FW_CROSS_MODELS); do \
	  n=$$(basename $$m .dg); libm=$$($(FW)/fw_libm $$m); \
	  case " $(FW_NO_LIBM) " in *" $$n "*) [ -z "$$libm" ] || \
	    { echo "fw-cross: $$m must need no libm, needs $$libm"; exit 1; };; esac; \
	  for t in $(FW_TARGETS); do \
	    tool=$$(case $$t in rv32) echo riscv64-unknown-elf;; *) echo arm-none-eabi;; esac); \
	    sh $(FWS)/check_object.sh $(FW)/cross/$$t/$$n.o $$tool-nm $$tool-size "$$libm" \
	      $$(case " $(FW_SINGLE_FPU) " in *" $$t "*) echo single;; esac); \
	done; done; echo "fw-cross: $(words $(FW_CROSS_OBJS)) objects ($(FW_TARGETS)) warning-free and clean; Cortex-M0 firmware links"

# The test firmware: fw_images.h (extracted from the dataset now), the
# board code, and one model compiled with prefix fwm.
FW_N_IMAGES = 8
FW_BOARD_SRC = $(FWS)/main.c $(FWS)/startup.c $(FWS)/semihost.c $(FWS)/systick.c
FW_BOARD_DEPS = $(FW_BOARD_SRC) $(FWS)/fw_io.h $(FWS)/fw_input.h $(FWS)/mps2.ld $(FW)/images/fw_images.h
FW_LDFLAGS = -nostartfiles -specs=nano.specs -specs=nosys.specs -T $(FWS)/mps2.ld -Wl,--gc-sections -lm
# fw_test.sh adds the board, the firmware and a file for semihosting output.
FW_QEMU = timeout 60 qemu-system-arm -display none -monitor none -serial none
FW_TEST_MODELS := $(FWS)/gatepath.dg models/demo.dg $(wildcard models/fashion_lowrank.dg)

$(FW)/images/fw_images.h $(FW)/images/fw_images.bin: $(FWS)/make_images.py
	@mkdir -p $(FW)/images
	/usr/bin/python3 $(FWS)/make_images.py $(FW_N_IMAGES) $(FW)/images/fw_images.h $(FW)/images/fw_images.bin

# $(1) model, $(2) its name, $(3) target, $(4) extra dgc options, $(5) build dir
define fw__elf
$(call dgc_model,$(1),--prefix fwm $(4),$(5))
$(5)/fw.elf: $(5)/$(2).c $(FW_BOARD_DEPS)
	$$(FW_CC_$(3)) $$(FW_ARCH_$(3)) $$(FW_CFLAGS) -fstack-usage -I$(5) -I$(FW)/images -I$(FWS) \
	  -DFW_MODEL_H='"$(2).h"' -o $$@ $(FW_BOARD_SRC) $(5)/$(2).c $$(FW_LDFLAGS)
endef
$(foreach m,$(FW_TEST_MODELS),$(eval $(call fw__elf,$(m),$(call fw_name,$(m)),m4f,$(FW_DGC_m4f),$(FW)/m4f/$(call fw_name,$(m)))))
# Cortex-M0: qemu 7.2 has no MPS2 board for it; the firmware is only linked.
$(eval $(call fw__elf,$(FWS)/gatepath.dg,gatepath,m0,$(FW_DGC_m0),$(FW)/m0/gatepath))
FW_M4F_ELFS := $(foreach m,$(FW_TEST_MODELS),$(FW)/m4f/$(call fw_name,$(m))/fw.elf)

# Host tools linked with the compiler's library.
$(FW)/fw_check $(FW)/fw_libm: $(FW)/%: $(FWS)/%.c $(FWS)/fw_input.h $(B)/libdgc.a
	@mkdir -p $(FW)
	$(CC) $(WARN) $(CFLAGS) -Icompiler -I$(B) -I$(FWS) -o $@ $< $(B)/libdgc.a $(LDLIBS)

# Cortex-M3 through CMake and cmake/dgc.cmake: configured again when its
# inputs or the model list change, built always.
FW_CMAKE = $(FW)/cmake-m3
FW_CMAKE_ARGS = -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/arm-none-eabi.cmake \
  -DARM_CPU=cortex-m3 -DDGC_EXECUTABLE=$(CURDIR)/dgc -DFW_IMAGES=$(FW_N_IMAGES) \
  -DFW_MODELS="$(subst $(fw_sp),;,$(strip $(addprefix $(CURDIR)/,$(FW_TEST_MODELS))))"
$(FW)/cmake-m3.args: dgc__force
	@mkdir -p $(FW)
	@echo '$(FW_CMAKE_ARGS)' | cmp -s - $@ || echo '$(FW_CMAKE_ARGS)' > $@
$(FW_CMAKE)/Makefile: $(FWS)/CMakeLists.txt cmake/dgc.cmake cmake/arm-none-eabi.cmake $(FW)/cmake-m3.args
	cmake -S $(FWS) -B $(FW_CMAKE) $(FW_CMAKE_ARGS) >/dev/null

fw-test: dgc $(FW)/fw_check $(FW_M4F_ELFS) $(FW)/images/fw_images.bin $(FW_CMAKE)/Makefile
	@env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL cmake --build $(FW_CMAKE) >/dev/null
	@cmp -s $(FW)/images/fw_images.bin $(FW_CMAKE)/fw_images.bin || \
	  { echo "fw-test: make and CMake extracted different images"; exit 1; }
	@sh $(FWS)/dgc_mk_test.sh ./dgc
	@sh $(FWS)/dgc_cmake_test.sh ./dgc
	@sh $(FWS)/fw_test.sh "$(FW_QEMU)" $(FW)/fw_check $(FW)/images/fw_images.bin \
	  $(foreach m,$(FW_TEST_MODELS),$(m):mps2-an386:$(FW)/m4f/$(call fw_name,$(m))/fw.elf \
	    $(m):mps2-an385:$(FW_CMAKE)/fw_$(call fw_name,$(m)).elf)

CHECK_SUITES += fw-cross fw-test

# fw-figures: per model, flash and stack on every target; instructions per
# inference on Cortex-M4F and M3 under qemu -icount, gated and dense (dgc
# --dense with the same preset: every gate dropped, static ones too).
FW_FIG_MODELS := $(FW_CROSS_MODELS)
$(foreach t,$(FW_TARGETS),$(foreach m,$(FW_FIG_MODELS),$(call dgc_model,$(m),--dense $(FW_DGC_$(t)),$(FW)/gen-dense/$(t))))
define fw__cross_dense
$(FW)/cross-dense/$(1)/%.o: $(FW)/gen-dense/$(1)/%.c
	@mkdir -p $$(@D)
	$$(FW_CC_$(1)) $$(FW_ARCH_$(1)) $$(FW_CFLAGS) -fstack-usage -fcallgraph-info=su -c -o $$@ $$<
endef
$(foreach t,$(FW_TARGETS),$(eval $(call fw__cross_dense,$(t))))
FW_FIG_RUN = m4f m3
$(foreach t,$(FW_FIG_RUN),$(foreach m,$(FW_FIG_MODELS),\
  $(eval $(call fw__elf,$(m),$(call fw_name,$(m)),$(t),$(FW_DGC_$(t)),$(FW)/fig/$(t)/$(call fw_name,$(m)))) \
  $(eval $(call fw__elf,$(m),$(call fw_name,$(m)),$(t),--dense $(FW_DGC_$(t)),$(FW)/fig/$(t)/$(call fw_name,$(m))-dense))))
FW_FIG_DEPS := $(foreach t,$(FW_TARGETS),$(foreach m,$(FW_FIG_MODELS),\
  $(FW)/cross/$(t)/$(call fw_name,$(m)).o $(FW)/cross-dense/$(t)/$(call fw_name,$(m)).o)) \
  $(foreach t,$(FW_FIG_RUN),$(foreach m,$(FW_FIG_MODELS),\
  $(FW)/fig/$(t)/$(call fw_name,$(m))/fw.elf $(FW)/fig/$(t)/$(call fw_name,$(m))-dense/fw.elf))

fw-figures: dgc $(FW)/fw_check $(FW)/images/fw_images.bin $(FW_FIG_DEPS)
	/usr/bin/python3 $(FWS)/figures.py $(FW) "$(FW_TARGETS)" "$(FW_FIG_RUN)" $(FW_FIG_MODELS) \
	  > docs/results-firmware.md.tmp && mv docs/results-firmware.md.tmp docs/results-firmware.md
	@cat docs/results-firmware.md
