// SPDX-License-Identifier: MIT
/*
 * An 8250/16550A UART at COM1, emulated on port-I/O exits ("polled": no thread, no timer).
 *
 * Transmission is immediate, so the transmitter is always empty. The only interrupt source is
 * "transmitter holding register empty" (THRE), latched when THRE interrupts get enabled or a byte
 * is written, and cleared by reading IIR, as on the real part; it drives IRQ 4 as a level.
 * There is no receiver: the line status never shows data ready.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

/* Register offsets and bits (the UAPI has none for the 8250, so they are spelled out here). */
#define UART_RX_TX 0  /* DLAB=0: receive buffer / transmit holding; DLAB=1: divisor low */
#define UART_IER 1    /* DLAB=0: interrupt enable; DLAB=1: divisor high */
#define UART_IIR_FCR 2 /* read: interrupt identification; write: FIFO control */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_THRI 0x02
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_FIFO_ENABLED 0xc0
#define FCR_ENABLE_FIFO 0x01
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

void serial_init(struct serial *s, int out_fd)
{
	memset(s, 0, sizeof(*s));
	s->out_fd = out_fd;
	s->mcr = MCR_OUT2;
}

static void serial_update_irq(struct vm *vm)
{
	struct serial *s = &vm->com1;
	int level = (s->ier & IER_THRI) && s->thre_pending;

	if (level != s->irq_level) {
		s->irq_level = level;
		vm_set_irq_line(vm, COM1_IRQ, level);
	}
}

static void serial_transmit(struct serial *s, uint8_t byte)
{
	ssize_t n;

	if (s->captured < sizeof(s->capture))
		s->capture[s->captured++] = (char)byte;
	do {
		n = write(s->out_fd, &byte, 1);
	} while (n < 0 && errno == EINTR);
}

uint8_t serial_read(struct vm *vm, unsigned offset)
{
	struct serial *s = &vm->com1;
	uint8_t v = 0;

	switch (offset) {
	case UART_RX_TX:
		v = (s->lcr & LCR_DLAB) ? s->dll : 0;
		break;
	case UART_IER:
		v = (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
		break;
	case UART_IIR_FCR:
		if ((s->ier & IER_THRI) && s->thre_pending) {
			v = IIR_THRI;
			s->thre_pending = 0; /* reading IIR acknowledges THRE */
		} else {
			v = IIR_NO_INT;
		}
		if (s->fcr & FCR_ENABLE_FIFO)
			v |= IIR_FIFO_ENABLED;
		break;
	case UART_LCR:
		v = s->lcr;
		break;
	case UART_MCR:
		v = s->mcr;
		break;
	case UART_LSR:
		v = LSR_THRE | LSR_TEMT;
		break;
	case UART_MSR:
		if (s->mcr & MCR_LOOP) {
			/* Loopback: the modem outputs come back as inputs. */
			v = (uint8_t)(((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
				      ((s->mcr & MCR_RTS) ? MSR_CTS : 0) |
				      ((s->mcr & MCR_OUT1) ? MSR_RI : 0) |
				      ((s->mcr & MCR_OUT2) ? MSR_DCD : 0));
		} else {
			v = MSR_DCD | MSR_DSR | MSR_CTS;
		}
		break;
	case UART_SCR:
		v = s->scr;
		break;
	}
	serial_update_irq(vm);
	return v;
}

void serial_write(struct vm *vm, unsigned offset, uint8_t value)
{
	struct serial *s = &vm->com1;

	switch (offset) {
	case UART_RX_TX:
		if (s->lcr & LCR_DLAB) {
			s->dll = value;
		} else {
			if (!(s->mcr & MCR_LOOP))
				serial_transmit(s, value);
			s->thre_pending = 1; /* sent at once: the holding register is empty again */
		}
		break;
	case UART_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = value;
		} else {
			if ((value & IER_THRI) && !(s->ier & IER_THRI))
				s->thre_pending = 1;
			s->ier = value & 0x0f;
		}
		break;
	case UART_IIR_FCR:
		s->fcr = value & 0xc9; /* FIFO enable, DMA mode, trigger level; resets are momentary */
		break;
	case UART_LCR:
		s->lcr = value;
		break;
	case UART_MCR:
		s->mcr = value & 0x1f;
		break;
	case UART_SCR:
		s->scr = value;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
	serial_update_irq(vm);
}
