// SPDX-License-Identifier: MIT
/*
 * A minimal MC146818 CMOS real-time clock at ports 0x70/0x71: the host's UTC time in BCD,
 * 24-hour mode, never "update in progress", no interrupts, and 128 bytes of CMOS RAM.
 * Without it a Linux guest's rtc_cmos driver polls an absent chip for seconds.
 */
#include <string.h>
#include <time.h>

#include "vmm.h"

#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a /* bit 7: update in progress */
#define RTC_REG_B 0x0b /* bit 1: 24-hour mode; bit 2 clear: BCD */
#define RTC_REG_C 0x0c /* interrupt flags, cleared on read */
#define RTC_REG_D 0x0d /* bit 7: valid RAM and time */
#define RTC_CENTURY 0x32

#define REG_A_DEFAULT 0x26 /* 32.768 kHz time base, 1024 Hz rate, UIP clear */
#define REG_B_DEFAULT 0x02
#define REG_D_VRT 0x80

static uint8_t bcd(int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

void rtc_init(struct rtc *r)
{
	memset(r, 0, sizeof(*r));
	r->ram[RTC_REG_A] = REG_A_DEFAULT;
	r->ram[RTC_REG_B] = REG_B_DEFAULT;
	r->ram[RTC_REG_D] = REG_D_VRT;
}

uint8_t rtc_read(struct rtc *r, unsigned offset)
{
	time_t now;
	struct tm tm;

	if (offset == 0)
		return r->index;
	now = time(NULL);
	gmtime_r(&now, &tm);
	switch (r->index) {
	case RTC_SECONDS: return bcd(tm.tm_sec);
	case RTC_MINUTES: return bcd(tm.tm_min);
	case RTC_HOURS: return bcd(tm.tm_hour);
	case RTC_DAY_OF_WEEK: return bcd(tm.tm_wday + 1);
	case RTC_DAY_OF_MONTH: return bcd(tm.tm_mday);
	case RTC_MONTH: return bcd(tm.tm_mon + 1);
	case RTC_YEAR: return bcd(tm.tm_year % 100);
	case RTC_CENTURY: return bcd((tm.tm_year + 1900) / 100);
	case RTC_REG_C: return 0;
	default: return r->ram[r->index];
	}
}

void rtc_write(struct rtc *r, unsigned offset, uint8_t value)
{
	if (offset == 0) {
		r->index = value & 0x7f; /* bit 7 masks NMIs */
		return;
	}
	switch (r->index) {
	case RTC_REG_A:
		r->ram[RTC_REG_A] = value & 0x7f; /* UIP is read-only */
		break;
	case RTC_REG_B:
		/* Keep 24-hour BCD mode; interrupt enables are accepted but never fire. */
		r->ram[RTC_REG_B] = (uint8_t)((value & ~0x04) | 0x02);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break; /* read-only */
	default:
		if (r->index > RTC_REG_D)
			r->ram[r->index] = value; /* CMOS RAM; the clock itself is the host's */
		break;
	}
}
