/* systick: the Cortex-M SysTick timer as a 24-bit down-counter on the
 * processor clock, or as a periodic interrupt. */
#include "fw_io.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
enum { CSR_ENABLE = 1, CSR_TICKINT = 2, CSR_CLKSOURCE = 4, MAX = 0xFFFFFFu };

void fw_tick_start(void)
{
    SYST_CSR = 0;
    SYST_RVR = MAX;
    SYST_CVR = 0;
    SYST_CSR = CSR_ENABLE | CSR_CLKSOURCE;
}

uint32_t fw_tick_now(void) { return SYST_CVR; }

uint32_t fw_tick_since(uint32_t then) { return (then - SYST_CVR) & MAX; }

void fw_tick_irq(uint32_t period)
{
    SYST_CSR = 0;
    if (!period) return;
    SYST_RVR = period - 1;
    SYST_CVR = 0;
    SYST_CSR = CSR_ENABLE | CSR_CLKSOURCE | CSR_TICKINT;
}
