"""The printed words of invoices and statements, one checked dict per served language.

A dict rather than gettext .po/.mo catalogues: four languages and a few dozen labels, no compile
step to forget in a build or an image, and a test checks that every language has every key of
English and the same {placeholders}. Numbers, money and dates are not here: Babel formats them.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The languages a document is rendered in (receivables_shared.reference_codes serves the same).
LANGUAGES = ("en", "ru", "bg", "lv")
DEFAULT_LANGUAGE = "en"

EN: dict[str, str] = {
    "invoice_title": "Invoice",
    "number": "No.",
    "issue_date": "Issue date",
    "completed_on": "Date of delivery / completion",
    "due_date": "Due date",
    "order_reference": "Order reference",
    "seller": "Seller",
    "buyer": "Buyer",
    "tax_id": "Tax ID (VAT)",
    "description": "Description",
    "quantity": "Qty",
    "unit_price": "Unit price",
    "tax_rate": "VAT rate",
    "net": "Net",
    "tax": "VAT",
    "gross": "Total",
    "tax_by_rate": "VAT by rate",
    "net_total": "Total excl. VAT",
    "tax_total": "Total VAT",
    "total_due": "Total due",
    "how_to_pay": "How to pay",
    "pay_instruction": (
        "Please pay {amount} by {due_date} to one of the accounts below, quoting the payment "
        "reference {reference}."
    ),
    "payment_reference": "Payment reference",
    "bank": "Bank",
    "account": "Account (IBAN)",
    "bic": "BIC",
    "discount_clause": (
        "Early-payment discount of {percent}: pay {amount} by {until} and {discount} is taken off."
    ),
    "penalty_clause": (
        "Late payment: interest of {percent} per month is charged on the unpaid amount from the "
        "day after the due date until payment."
    ),
    "penalty_grace": "Interest starts {days} days after the due date.",
    "cancelled_notice": "Cancelled on {date}: nothing is to be paid on this invoice.",
    "statement_title": "Account statement",
    "period": "Period",
    "customer": "Customer",
    "currency": "Currency",
    "opening_balance": "Opening balance",
    "closing_balance": "Closing balance",
    "date": "Date",
    "invoice": "Invoice",
    "movement": "Movement",
    "amount": "Amount",
    "balance": "Balance",
    "no_movements": "No movements in this period.",
    "no_activity": "No invoices or payments up to the end of this period.",
    "kind.issue": "Invoice issued",
    "kind.credit_note": "Credit note",
    "kind.late_fee": "Late fee",
    "kind.interest": "Late-payment interest",
    "kind.write_off": "Written off",
    "kind.payment": "Payment",
    "kind.discount": "Early-payment discount",
    "kind.payment_reversal": "Payment reversed",
    "kind.cancellation": "Cancellation",
    "kind.paid_before_import": "Paid before import",
    "kind.credit_added": "Credit balance: payment on account",
    "kind.credit_applied": "Credit balance used",
    "kind.credit_reversed": "Credit balance reversed",
}

RU: dict[str, str] = {
    "invoice_title": "Счёт",
    "number": "№",
    "issue_date": "Дата выставления",
    "completed_on": "Дата поставки / выполнения работ",
    "due_date": "Срок оплаты",
    "order_reference": "Номер заказа",
    "seller": "Продавец",
    "buyer": "Покупатель",
    "tax_id": "Налоговый номер (НДС)",
    "description": "Наименование",
    "quantity": "Кол-во",
    "unit_price": "Цена",
    "tax_rate": "Ставка НДС",
    "net": "Без НДС",
    "tax": "НДС",
    "gross": "Всего",
    "tax_by_rate": "НДС по ставкам",
    "net_total": "Итого без НДС",
    "tax_total": "Итого НДС",
    "total_due": "Итого к оплате",
    "how_to_pay": "Порядок оплаты",
    "pay_instruction": (
        "Просим оплатить {amount} до {due_date} на один из счетов ниже, указав в назначении "
        "платежа ссылку {reference}."
    ),
    "payment_reference": "Ссылка платежа",
    "bank": "Банк",
    "account": "Счёт (IBAN)",
    "bic": "BIC",
    "discount_clause": (
        "Скидка за досрочную оплату {percent}: при оплате {amount} до {until} скидка "
        "составит {discount}."
    ),
    "penalty_clause": (
        "Просрочка оплаты: на неоплаченную сумму начисляются проценты в размере {percent} "
        "в месяц со дня, следующего за сроком оплаты, до дня оплаты."
    ),
    "penalty_grace": "Проценты начисляются через {days} дн. после срока оплаты.",
    "cancelled_notice": "Аннулирован {date}: оплата по этому счёту не требуется.",
    "statement_title": "Выписка по лицевому счёту",
    "period": "Период",
    "customer": "Клиент",
    "currency": "Валюта",
    "opening_balance": "Начальное сальдо",
    "closing_balance": "Конечное сальдо",
    "date": "Дата",
    "invoice": "Счёт",
    "movement": "Операция",
    "amount": "Сумма",
    "balance": "Сальдо",
    "no_movements": "Операций за период нет.",
    "no_activity": "Счетов и платежей до конца периода нет.",
    "kind.issue": "Выставлен счёт",
    "kind.credit_note": "Кредит-нота",
    "kind.late_fee": "Пеня",
    "kind.interest": "Проценты за просрочку",
    "kind.write_off": "Списание",
    "kind.payment": "Оплата",
    "kind.discount": "Скидка за досрочную оплату",
    "kind.payment_reversal": "Сторно оплаты",
    "kind.cancellation": "Аннулирование",
    "kind.paid_before_import": "Оплачено до переноса данных",
    "kind.credit_added": "Зачислено на баланс переплат",
    "kind.credit_applied": "Зачтено с баланса переплат",
    "kind.credit_reversed": "Сторно баланса переплат",
}

BG: dict[str, str] = {
    "invoice_title": "Фактура",
    "number": "№",
    "issue_date": "Дата на издаване",
    "completed_on": "Дата на доставка / извършване",
    "due_date": "Срок за плащане",
    "order_reference": "Номер на поръчка",
    "seller": "Доставчик",
    "buyer": "Получател",
    "tax_id": "ИН по ДДС",
    "description": "Описание",
    "quantity": "Кол.",
    "unit_price": "Ед. цена",
    "tax_rate": "Ставка ДДС",
    "net": "Без ДДС",
    "tax": "ДДС",
    "gross": "Общо",
    "tax_by_rate": "ДДС по ставки",
    "net_total": "Общо без ДДС",
    "tax_total": "Общо ДДС",
    "total_due": "Сума за плащане",
    "how_to_pay": "Начин на плащане",
    "pay_instruction": (
        "Моля, платете {amount} до {due_date} по една от сметките по-долу, като посочите "
        "референция на плащането {reference}."
    ),
    "payment_reference": "Референция на плащането",
    "bank": "Банка",
    "account": "Сметка (IBAN)",
    "bic": "BIC",
    "discount_clause": (
        "Отстъпка за предсрочно плащане {percent}: при плащане на {amount} до {until} "
        "се приспадат {discount}."
    ),
    "penalty_clause": (
        "Забава в плащането: върху неплатената сума се начислява лихва от {percent} на месец "
        "от деня след падежа до плащането."
    ),
    "penalty_grace": "Лихвата се начислява {days} дни след падежа.",
    "cancelled_notice": "Анулирана на {date}: по тази фактура не се дължи плащане.",
    "statement_title": "Извлечение по сметка",
    "period": "Период",
    "customer": "Клиент",
    "currency": "Валута",
    "opening_balance": "Начално салдо",
    "closing_balance": "Крайно салдо",
    "date": "Дата",
    "invoice": "Фактура",
    "movement": "Операция",
    "amount": "Сума",
    "balance": "Салдо",
    "no_movements": "Няма операции за периода.",
    "no_activity": "Няма фактури и плащания до края на периода.",
    "kind.issue": "Издадена фактура",
    "kind.credit_note": "Кредитно известие",
    "kind.late_fee": "Неустойка",
    "kind.interest": "Лихва за забава",
    "kind.write_off": "Отписване",
    "kind.payment": "Плащане",
    "kind.discount": "Отстъпка за предсрочно плащане",
    "kind.payment_reversal": "Сторниране на плащане",
    "kind.cancellation": "Анулиране",
    "kind.paid_before_import": "Платено преди прехвърлянето",
    "kind.credit_added": "Надплащане по сметката",
    "kind.credit_applied": "Използвано надплащане",
    "kind.credit_reversed": "Сторниране на надплащане",
}

LV: dict[str, str] = {
    "invoice_title": "Rēķins",
    "number": "Nr.",
    "issue_date": "Izrakstīšanas datums",
    "completed_on": "Piegādes / izpildes datums",
    "due_date": "Apmaksas termiņš",
    "order_reference": "Pasūtījuma numurs",
    "seller": "Pārdevējs",
    "buyer": "Pircējs",
    "tax_id": "PVN maksātāja Nr.",
    "description": "Apraksts",
    "quantity": "Daudz.",
    "unit_price": "Cena",
    "tax_rate": "PVN likme",
    "net": "Bez PVN",
    "tax": "PVN",
    "gross": "Kopā",
    "tax_by_rate": "PVN pa likmēm",
    "net_total": "Kopā bez PVN",
    "tax_total": "PVN kopā",
    "total_due": "Kopā apmaksai",
    "how_to_pay": "Kā samaksāt",
    "pay_instruction": (
        "Lūdzam samaksāt {amount} līdz {due_date} uz kādu no zemāk norādītajiem kontiem, "
        "maksājuma mērķī norādot atsauci {reference}."
    ),
    "payment_reference": "Maksājuma atsauce",
    "bank": "Banka",
    "account": "Konts (IBAN)",
    "bic": "BIC",
    "discount_clause": (
        "Atlaide par priekšlaicīgu apmaksu {percent}: samaksājot {amount} līdz {until}, "
        "atlaide ir {discount}."
    ),
    "penalty_clause": (
        "Kavēta apmaksa: par nesamaksāto summu tiek aprēķināti procenti {percent} mēnesī, "
        "sākot no nākamās dienas pēc apmaksas termiņa līdz samaksai."
    ),
    "penalty_grace": "Procentus sāk aprēķināt {days} dienas pēc apmaksas termiņa.",
    "cancelled_notice": "Anulēts {date}: šis rēķins nav jāapmaksā.",
    "statement_title": "Konta izraksts",
    "period": "Periods",
    "customer": "Klients",
    "currency": "Valūta",
    "opening_balance": "Sākuma atlikums",
    "closing_balance": "Beigu atlikums",
    "date": "Datums",
    "invoice": "Rēķins",
    "movement": "Darbība",
    "amount": "Summa",
    "balance": "Atlikums",
    "no_movements": "Šajā periodā darbību nav.",
    "no_activity": "Līdz perioda beigām nav rēķinu un maksājumu.",
    "kind.issue": "Izrakstīts rēķins",
    "kind.credit_note": "Kredītrēķins",
    "kind.late_fee": "Līgumsods",
    "kind.interest": "Nokavējuma procenti",
    "kind.write_off": "Norakstīts",
    "kind.payment": "Maksājums",
    "kind.discount": "Atlaide par priekšlaicīgu apmaksu",
    "kind.payment_reversal": "Maksājuma atcelšana",
    "kind.cancellation": "Anulēšana",
    "kind.paid_before_import": "Samaksāts pirms datu pārņemšanas",
    "kind.credit_added": "Pārmaksa ieskaitīta kontā",
    "kind.credit_applied": "Izmantota pārmaksa",
    "kind.credit_reversed": "Pārmaksas atcelšana",
}

CATALOGUES: Mapping[str, Mapping[str, str]] = {"en": EN, "ru": RU, "bg": BG, "lv": LV}


def texts_for(language: str) -> Mapping[str, str]:
    """The catalogue of `language`; a language not served falls back to English."""
    return CATALOGUES.get(language.split("-")[0].lower(), CATALOGUES[DEFAULT_LANGUAGE])


def document_language(language: str) -> str:
    """The language a document is rendered in (what texts_for picks)."""
    code = language.split("-")[0].lower()
    return code if code in CATALOGUES else DEFAULT_LANGUAGE


def movement_kind(texts: Mapping[str, str], kind: str) -> str:
    """A ledger movement's kind in words; a kind added later prints as its code."""
    return texts.get(f"kind.{kind}", kind)
