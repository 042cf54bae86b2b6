/* main: runs the model built with prefix fwm over the embedded test images
 * and prints, per image, the class, the outputs (float bits in hex), the
 * open units per layer and the open-unit mask, for tests/firmware/fw_check.
 * Then a reentrancy test: the model runs from the SysTick interrupt while
 * main is inside it, and both must give the bits of an uninterrupted run.
 * FW_MODEL_H names the generated header. */
#include <stdint.h>
#include <string.h>
#include FW_MODEL_H
#include "fw_images.h"
#include "fw_input.h"
#include "fw_io.h"

typedef struct result {
    float out[FWM_N_OUTPUT];
    int open[FWM_N_LAYERS];
    unsigned char mask[FWM_MASK_SIZE];
    int cls;
} result;

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void run(int image, result *r)
{
    float x[FWM_N_INPUT];
    fw_make_input(fw_images[image], x, FWM_N_INPUT);
    r->cls = fwm_infer_mask(x, r->out, r->open, r->mask);
}

static void print(int image, const result *r, uint32_t ticks)
{
    fw_puts("img ");
    fw_putu((uint32_t)image);
    fw_puts(" cls ");
    fw_putu((uint32_t)r->cls);
    fw_puts(" ticks ");
    fw_putu(ticks);
    fw_puts("\nout");
    for (int k = 0; k < FWM_N_OUTPUT; k++) {
        fw_puts(" ");
        fw_puthex(bits(r->out[k]));
    }
    fw_puts("\nopen");
    for (int l = 0; l < FWM_N_LAYERS; l++) {
        fw_puts(" ");
        fw_putu((uint32_t)r->open[l]);
    }
    fw_puts("\nmask ");
    for (int j = 0; j < FWM_MASK_SIZE; j++) fw_puts(r->mask[j] ? "1" : "0");
    fw_puts("\n");
}

/* SysTick counts processor-clock ticks; under qemu -icount shift=0 each
 * instruction is 1 ns of virtual time, so ticks convert to instructions.
 * A loop of known length calibrates the ratio: 2 instructions per turn. */
static uint32_t calibrate(uint32_t turns)
{
    uint32_t t = fw_tick_now();
    __asm__ volatile(".syntax unified\n1: subs %0, %0, #1\n\tbne 1b" : "+r"(turns) : : "cc");
    return fw_tick_since(t);
}

/* Reentrancy: main runs image A, the interrupt image B. */
static volatile int in_main, isr_runs, isr_nested;
static result isr_result, isr_expect;
static int isr_bad;

void fw_tick_handler(void)
{
    run(1 % FW_N_IMAGES, &isr_result);
    isr_bad |= memcmp(&isr_result, &isr_expect, sizeof isr_result) != 0;
    isr_runs++;
    isr_nested += in_main;
}

static int reentrancy(void)
{
    static result expect, got;
    int bad = 0, turns = 0;
    run(0, &expect);
    run(1 % FW_N_IMAGES, &isr_expect);
    /* A period a few times an inference, so interrupts land inside one
     * and the interrupted code still makes progress. */
    uint32_t t = fw_tick_now();
    run(0, &got);
    uint32_t period = fw_tick_since(t) * 3 + 97;
    fw_tick_irq(period);
    while (isr_nested < 5 && turns < 20000) {
        in_main = 1;
        run(0, &got);
        in_main = 0;
        bad |= memcmp(&got, &expect, sizeof got) != 0;
        turns++;
    }
    fw_tick_irq(0);
    fw_puts("reentrant ");
    fw_puts(bad || isr_bad || isr_nested < 5 ? "FAIL" : "ok");
    fw_puts(" turns ");
    fw_putu((uint32_t)turns);
    fw_puts(" interrupts ");
    fw_putu((uint32_t)isr_runs);
    fw_puts(" nested ");
    fw_putu((uint32_t)isr_nested);
    fw_puts("\n");
    return bad || isr_bad || isr_nested < 5;
}

int main(void)
{
    static result r;
    fw_puts("model " FW_MODEL_H " inputs ");
    fw_putu(FWM_N_INPUT);
    fw_puts(" outputs ");
    fw_putu(FWM_N_OUTPUT);
    fw_puts(" layers ");
    fw_putu(FWM_N_LAYERS);
    fw_puts(" mask ");
    fw_putu(FWM_MASK_SIZE);
    fw_puts(" images ");
    fw_putu(FW_N_IMAGES);
    fw_puts("\n");
    fw_tick_start();
    fw_puts("calibrate turns 100000 ticks ");
    fw_putu(calibrate(100000));
    fw_puts("\n");
    for (int i = 0; i < FW_N_IMAGES; i++) {
        uint32_t t = fw_tick_now();
        run(i, &r);
        uint32_t ticks = fw_tick_since(t);
        print(i, &r, ticks);
    }
    int rc = reentrancy();
    fw_puts("done\n");
    return rc;
}
