/* startup: vector table and reset handler for Cortex-M on the MPS2 boards.
 * The FPU (when built for one) is enabled before any code that may touch
 * it; the data and bss sections are set up before main. */
#include <stdint.h>
#include <string.h>
#include "fw_io.h"

extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end;
int main(void);

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)

void fw_reset(void)
{
#if defined(__ARM_FP)
    SCB_CPACR |= 0xFu << 20; /* CP10, CP11: full access */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    memcpy(&__data_start, &__data_load,
           (size_t)((char *)&__data_end - (char *)&__data_start));
    memset(&__bss_start, 0, (size_t)((char *)&__bss_end - (char *)&__bss_start));
    fw_exit(main());
}

static void fw_fault(void)
{
    fw_puts("fault: CFSR ");
    fw_puthex(SCB_CFSR);
    fw_puts("\n");
    fw_exit(3);
}

static void fw_systick(void) { fw_tick_handler(); }

typedef void (*fw_vector)(void);
__attribute__((section(".vectors"), used)) static const fw_vector fw_vectors[16] = {
    (fw_vector)(uintptr_t)&__stack_top, fw_reset,
    fw_fault, fw_fault, fw_fault, fw_fault, fw_fault, /* NMI, HardFault, MemManage, BusFault, UsageFault */
    0, 0, 0, 0,
    fw_fault, fw_fault, 0, fw_fault,                   /* SVC, DebugMon, -, PendSV */
    fw_systick};
