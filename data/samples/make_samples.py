#!/usr/bin/env python3
"""Generate the fictional "Northwind Cloud" sample data used by alignaudit.

Writes, next to this script:
  support_tickets.jsonl  ~400 dated customer-support tickets (2018-01 .. 2026-10)
  release_notes.csv      ~120 dated release notes (2018 .. 2026)

Everything here is fictional and hand-written for alignaudit. The script is
deterministic (random.Random(0)) and uses the standard library only, so
re-running it reproduces the files byte for byte.

Tickets are assembled from hand-written fragments: each scenario has its own
subject lines, lead sentences, detail sentences and questions, and many of them
(plus whole scenarios) are gated to the months in which they make sense, so the
vocabulary drifts realistically over time (GDPR and Windows 7 early on, furlough
and PPP loans in 2020, ChatGPT in 2023, MCP servers and Bulgaria's euro
changeover in 2025-2026). A handful of deliberately messy rows (a duplicate,
two empty bodies, three non-ASCII bodies) are added at the end; see README.md.
"""
# ruff: noqa: E501  (the hand-written sentences are kept one per line, unwrapped)
import csv
import datetime as dt
import json
import os
import random
import re

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(0)

FIRST_DAY = dt.date(2018, 1, 2)
LAST_DAY = dt.date(2026, 10, 30)
N_GENERATED = 399  # + 1 deliberate duplicate = 400 rows


# ---------------------------------------------------------------------------
# Fragments and scenarios
# ---------------------------------------------------------------------------
class F:
    """A hand-written fragment, optionally limited to a span of months
    (inclusive, "YYYY-MM") and/or to certain calendar months."""

    __slots__ = ("text", "start", "end", "months", "uses", "g")

    def __init__(self, text, start=None, end=None, months=None):
        self.text, self.start, self.end, self.months = text, start, end, months
        self.uses = 0
        self.g = None  # compatibility tags, see TAGS below

    def ok(self, d):
        ym = d.strftime("%Y-%m")
        if self.start and ym < self.start:
            return False
        if self.end and ym > self.end:
            return False
        return not (self.months and d.month not in self.months)


def fits(f, lead):
    """An untagged follow-up fits any lead; a tagged one only leads sharing a tag."""
    return f.g is None or (lead.g is not None and bool(f.g & lead.g))


def frags(items):
    return [x if isinstance(x, F) else F(x) for x in items]


class Scenario:
    def __init__(self, product, subjects, leads, details=(), asks=(),
                 window=None, months=None, prio="normal", weight=1.0):
        self.product = product
        self.subjects = frags(subjects)
        self.leads = frags(leads)
        self.details = frags(details)
        self.asks = frags(asks)
        self.window = window
        self.months = months
        self.prio = prio
        self.weight = weight
        self.uses = 0

    @property
    def specific(self):
        return self.window is not None

    def ok(self, d):
        if self.window:
            ym = d.strftime("%Y-%m")
            if not (self.window[0] <= ym <= self.window[1]):
                return False
        if self.months and d.month not in self.months:
            return False
        return any(f.ok(d) for f in self.leads) and any(f.ok(d) for f in self.subjects)


SCENARIOS = []


def S(*args, **kw):
    SCENARIOS.append(Scenario(*args, **kw))


# --- Time-independent scenarios --------------------------------------------
S("Account & Billing",
  ["Password reset email never arrives", "Can't reset my password", "reset link not working",
   "Reset link says expired"],
  ["I clicked 'Forgot password' three times this morning and nothing has shown up in my inbox, not even in spam.",
   "The password reset link you sent says it has expired, even though I opened it within a couple of minutes.",
   "I'm trying to reset my password but the page just reloads after I enter my email address.",
   "One of our staff can't get back into her account because the reset email never arrives."],
  ["Our mail server is hosted in-house, so it may be filtering you, but other vendors get through fine.",
   "I've tried on {browser} and on my phone with the same result.",
   "The address on the account is the one I'm typing, I double-checked it against an old invoice.",
   "We have a payroll run due on {weekday}, so I really need access before then.",
   F("I'd rather set up a passkey once I'm back in.", "2023-05")],
  ["Can you trigger a reset from your side or tell me what address you have on file?",
   "Is there another way to verify who I am?",
   "Please help, I'm completely locked out."])

S("Security & Privacy",
  ["Lost phone, can't get 2FA code", "Locked out - two-factor", "New phone, authenticator codes gone"],
  ["I got a new phone over the weekend and didn't move my authenticator app across, so I can't log in anymore.",
   "My phone was stolen and it had the two-factor codes for our admin account on it.",
   "The six-digit codes from my authenticator keep getting rejected as invalid."],
  ["I still have access to the email address on the account and can answer the security questions.",
   "I don't think I ever saved the backup codes you showed at setup.",
   "The clock on the phone is set to automatic, so I don't think it's a time drift thing.",
   "I'm the only admin on the account, so nobody else can reset it for me."],
  ["What do you need from me to remove 2FA so I can set it up again?",
   "Can you disable two-factor on the account temporarily?"], prio="high")

S("Account & Billing",
  ["Charged twice this month", "Duplicate charge on credit card", "Why two payments?"],
  ["Our card statement shows two charges of {amount} from Northwind Cloud on the same day.",
   "We were billed twice for the {month} subscription.",
   "I see a second payment for our plan that went through about an hour after the first one."],
  ["We only have one workspace, so it can't be a second account.",
   "The last four digits on both charges match our company card.",
   "Our bookkeeper noticed it while reconciling and flagged it to me.",
   "The billing page in the app only lists one invoice, which makes this even more confusing."],
  ["Please refund the duplicate and let me know when to expect it.",
   "Can you confirm which charge is the real one and reverse the other?"], prio="high")

S("Invoicing",
  ["Invoice total off by a cent", "Rounding error on invoice totals", "Tax calculation doesn't match"],
  ["The total on invoice {inv} is one cent higher than the sum of the line items.",
   "Our accountant says the tax on several invoices is rounded per line instead of on the total.",
   "When I add a discount to a line item, the invoice total comes out a few cents off."],
  ["Customers are paying the amount they calculate themselves, so invoices are left with tiny balances open.",
   "It happens mostly on invoices with more than ten lines.",
   "We charge {pct}% tax and the quantities often have decimals."],
  ["Is there a setting to round on the invoice total instead?",
   "Can you tell me which rounding method the app uses?"])

S("Reports",
  ["CSV export columns shifted", "Export to CSV broken", "Excel shows garbage characters in export",
   "Exported file is empty"],
  ["When I export the customer list to CSV, everything after the address column is shifted one place to the right.",
   "The CSV export from the sales report downloads as an empty file with just the header row.",
   "Opening the exported CSV in Excel shows strange symbols wherever a customer name has an accent.",
   "Exporting the transactions report for the full year times out after a minute or so."],
  ["I think it's because some addresses have commas in them.",
   "Exporting a single month works, it's only longer date ranges that fail.",
   "We load this file into our own accounting spreadsheet every month, so it's a real problem.",
   "It used to work fine until about two weeks ago."],
  ["Is there a workaround until it's fixed?",
   "Could you send me the export directly if it's too big for the browser?"])

S("Reports",
  ["Dashboard very slow", "Home page takes forever to load", "Reports page timing out"],
  ["The dashboard takes over thirty seconds to load every morning.",
   "Since last week the reports page just shows the spinner and then a timeout message.",
   "Everything in the web app feels sluggish today, especially the overview charts."],
  ["We have roughly {n_cust} customers and a few years of invoices in the account.",
   "It's the same on the wired office connection and on my home internet.",
   "Other sites load instantly, so I don't think it's our network.",
   "Once it finally loads, switching between tabs is fine.",
   F("Our office PCs are still on Windows 7, if that makes a difference.", end="2020-01"),
   F("We're on Zoom calls all day, so home bandwidth is stretched, but this feels different.", "2020-04", "2021-06"),
   F("It seems to be the new AI summary panel at the top that takes longest.", "2023-09")],
  ["Is something going on at your end?",
   "Can you check whether our account has some kind of problem?"])

S("Invoicing",
  ["Change company address on invoices", "Update business name", "Old address still on PDF"],
  ["We moved offices last month and the old address is still printed on our invoices.",
   "Our business changed its legal name and I need the new one on all invoices from now on.",
   "I updated the company address in settings, but the PDF invoices still show the previous one."],
  ["Invoices created before the change should keep the old details for our records.",
   "I also need to change the registration number shown in the footer.",
   "I logged out and back in in case it was cached."],
  ["Where do I change this?", "Can you tell me if I'm missing a step?"], prio="low")

S("Account & Billing",
  ["Question about adding users", "Prorated charge explanation", "Remove users from plan"],
  ["We added {n} new users mid-month and got a separate charge I don't understand.",
   "Two people left the company and I want to stop paying for their seats.",
   "Can you explain how adding a seat partway through the billing cycle is priced?"],
  ["I deactivated their accounts but the seat count on the billing page didn't change.",
   "The invoice just says 'proration adjustment' with no breakdown.",
   "We're on the annual plan, if that matters."],
  ["Please point me to where I can reduce the seat count.",
   "A breakdown of the charge would help our finance person."], prio="low")

S("Account & Billing",
  ["Cancel subscription", "Refund request", "Closing our account"],
  ["We're closing the business at the end of the month and need to cancel our subscription.",
   "I signed up for the annual plan by mistake when I meant to choose monthly.",
   "Please cancel our plan; we've moved to a different tool for invoicing."],
  ["The renewal went through yesterday and we had already decided not to continue.",
   "We'll still need read access to old invoices for tax purposes.",
   "I couldn't find a cancel button anywhere in the billing settings."],
  ["Is a partial refund possible?", "Can you confirm in writing once it's done?",
   "How do we download all our data first?"])

S("Payroll",
  ["Payroll stuck in processing", "Pay run not completing", "Payroll not submitted"],
  ["Our payroll run has been sitting on 'Processing' since yesterday afternoon.",
   "I approved the pay run for {n_emp} employees but the status never changed to submitted.",
   "The payroll page shows an error after I click Approve and nothing else happens."],
  ["Payday is {weekday} and people are counting on being paid on time.",
   F("Half the team is remote, so I can't even walk round and explain.", "2020-04", "2021-12"),
   F("The AI assistant keeps telling me the run completed, which it clearly hasn't.", "2023-07"),
   "I haven't changed anything in the setup since last month's run, which went through fine.",
   "Our bank shows the debit hasn't happened yet either.",
   "I don't want to click Approve again in case it pays everyone twice."],
  ["Please tell me whether this will go out in time.", "Can someone call me back today?"],
  prio="urgent")

S("Payroll",
  ["Employee paid to wrong bank account", "Direct deposit issue", "Updated bank details not used"],
  ["One of our employees changed banks and her pay went to the old, closed account.",
   "An employee says he hasn't received his wages, and the pay stub shows an account number he doesn't recognise.",
   "I updated an employee's bank details yesterday but this week's run still used the old ones."],
  ["The old account was closed about two weeks ago, so I expect the bank will bounce it.",
   "She is understandably upset and needs the money for rent.",
   "I'm worried someone changed the details without permission.",
   F("The AI assistant said the payment had gone through, which is why we didn't catch it sooner.", "2023-07")],
  ["How long until a returned deposit shows up and can be reissued?",
   "Can you tell me who changed the bank details and when?"], prio="high")

S("Payroll",
  ["Where are the year-end tax forms?", "W-2 download", "P60s not generated", "1099 missing a contractor"],
  [F("I can't find where to download the W-2s for last year.", months=[1, 2]),
   F("Our P60s haven't been generated yet and staff are asking for them.", months=[4, 5]),
   F("A contractor we paid last year doesn't appear on the 1099 list.", months=[1, 2, 3])],
  ["The year-end checklist shows every step as complete.",
   "Employees can't see them in their self-service portal either.",
   "Our accountant needs them before the filing deadline."],
  ["When will these be available?", "What am I doing wrong?"], months=[1, 2, 3, 4, 5])

S("Team Chat",
  ["Not getting chat notifications", "Desktop notifications stopped", "Mentions don't notify me"],
  ["I've stopped getting notifications when someone mentions me in a channel.",
   "Desktop notifications for direct messages stopped working after the last update.",
   "My phone only shows new chat messages when I open the app."],
  ["Notifications are allowed in the system settings and do-not-disturb is off.",
   F("Since we all went remote, chat is the only way the team talks, so this is a big deal.", "2020-04", "2021-06"),
   "Colleagues on the same plan are getting theirs fine.",
   "I'm using {a_phone} with {mobile_os}.",
   "I already tried signing out and back in."],
  ["Is there a setting I've missed?", "Any ideas what else to try?"])

S("Team Chat",
  ["Search doesn't find old messages", "Message history missing", "Chat search results incomplete"],
  ["Searching in chat doesn't return anything older than about three months.",
   "I'm looking for a file someone shared in our #accounts channel last year and search can't find it.",
   "Search results only show messages from channels I'm currently in, not ones I left."],
  ["I know the message exists because I have a screenshot of it.",
   "We're on the Business plan, which I thought included unlimited history."],
  ["Is there a limit on how far back search goes?", "Can you help me recover it?"])

S("Team Chat",
  ["Can't upload large file in chat", "File upload fails", "Upload limit in chat?"],
  ["Uploading a {mb} MB video in chat fails at around 90 percent.",
   "Nobody on the team can share the site survey videos in chat anymore; the upload bar just stops.",
   "PDFs over a certain size just show a red 'upload failed' message.",
   "Dragging a zip file of drawings into a channel does nothing at all."],
  ["Smaller files go through without any trouble.",
   "We send site photos and drawings to each other all day, so this matters."],
  ["What is the maximum file size, and can it be raised on our plan?"], prio="low")

S("API",
  ["Getting 429 Too Many Requests", "API rate limit question", "Rate limit lower than documented?"],
  ["Our nightly sync job started getting HTTP 429 responses from the invoices endpoint.",
   "We're hitting the rate limit far sooner than the documentation suggests.",
   "Is the API rate limit per key or per account?"],
  ["We make maybe {n_req} requests over an hour, spread fairly evenly.",
   "The Retry-After header is sometimes missing, so our client doesn't know how long to wait.",
   "Nothing changed in our code recently.",
   F("The calls come from an AI agent we built, so the pattern may look a bit unusual.", "2025-03"),
   F("We call the API through our own MCP server, if that matters.", "2025-05")],
  ["Can the limit be raised for us, even temporarily?", "Could you check the logs for our key?"])

S("API",
  ["Webhook signature verification failing", "Webhook secret rotation", "Invalid signature on webhooks"],
  ["Webhook signature verification started failing for every event since this morning.",
   "We rotated our webhook secret and now some events validate and others don't."],
  ["We compute an HMAC-SHA256 over the raw request body, exactly as in the docs.",
   "It looks like events sent before the rotation are being retried with the old secret.",
   "Our framework may be re-serialising the JSON before we check it."],
  ["Is there a grace period where both secrets are valid?", "Can you send a test event so we can debug?"],
  prio="high")

S("API",
  ["Duplicate webhook events", "Same event delivered multiple times"],
  ["We're receiving the same invoice.paid event three or four times.",
   "Our endpoint gets duplicate payment webhooks, which creates duplicate entries in our ERP."],
  ["We respond with a 200 within a second, so it shouldn't be a timeout.",
   "The event IDs are identical across the duplicates."],
  ["Is at-least-once delivery expected, and should we deduplicate on our side?"])

S("API",
  ["API pagination skips records", "Cursor returns same page", "Missing customers when paging"],
  ["Paging through /v2/customers with the cursor parameter skips some records.",
   "The next_cursor value keeps returning the same page of results.",
   "When I list invoices sorted by date, page two overlaps with page one."],
  ["The total count says {n_cust} but we only end up with about 90 percent of them.",
   "We're using the official {sdk} SDK, latest version.",
   F("Our Python 2 script does the paging, if that matters.", end="2019-12"),
   F("The paging code was written with Copilot's help, but I've checked it against the docs.", "2024-01")],
  ["Is this a known bug?", "What's the correct way to page through everything reliably?"])

S("Mobile Apps",
  ["App crashes on launch", "Mobile app won't open", "{plat} app closes immediately"],
  ["The app crashes straight away every time I open it on my {phone}.",
   "Since updating the app this morning it shows the splash screen and then closes.",
   "The {plat} app crashes as soon as I tap on Invoices."],
  ["I'm on {mobile_os}.", "Reinstalling didn't help.",
   "My colleague has the same phone and hers works fine."],
  ["Is a fix on the way?", "Is there an older version I can go back to?"], prio="high")

S("Mobile Apps",
  ["Login loop in mobile app", "App keeps asking me to sign in", "Logged out of app constantly"],
  ["The mobile app keeps sending me back to the login screen after I enter my password.",
   "I get logged out of the app several times a day."],
  ["Logging in on the website works fine.", "We use single sign-on through our company account.",
   "It started after I changed my password.", "The phone is {a_phone} on {mobile_os}."],
  ["How do I get out of this loop?"])

S("Invoicing",
  ["Recurring invoices didn't go out", "Scheduled invoices not sent", "Retainer invoices stuck as drafts"],
  ["None of our recurring invoices were sent on the 1st like they normally are.",
   "The monthly retainer invoices are showing as drafts instead of being sent automatically.",
   "A few customers told us they didn't receive this month's invoice."],
  ["There are about {n} recurring profiles set up, all with auto-send switched on.",
   "The schedule page still says the next run is on the 1st.",
   "We rely on these going out on time for cash flow."],
  ["Can you check what happened and resend them?", "Should I send them manually or will the system retry?"],
  prio="high")

S("Invoicing",
  ["Payment reminders landing in spam", "Customers not seeing our emails", "Invoice emails going to junk"],
  ["Several customers say our payment reminder emails end up in their spam folder.",
   "Invoices we send through the app are going to junk for anyone on Outlook.",
   "A big client only found our last three invoices after searching their junk folder."],
  ["We set up our own sending domain last year.", "Emails I send from my normal mailbox arrive fine."],
  ["Is there something we need to add to our DNS records?",
   "Can you check whether your sending servers are on a blocklist?"])

S("Invoicing",
  ["Logo looks blurry on invoices", "Invoice template logo", "Logo stretched on PDF"],
  ["Our logo looks pixelated on the PDF invoices even though the file I uploaded is high resolution.",
   "The logo on our invoice template is stretched sideways."],
  ["I uploaded a PNG that's about 2000 pixels wide.", "It looks fine in the preview but not in the downloaded PDF."],
  ["What size and format works best?"], prio="low")

S("Team Chat",
  ["Wrong times on chat messages", "Timezone issue on invoice dates", "Timestamps an hour off"],
  [F("All the timestamps in the app are an hour off since the clocks changed.", months=[3, 4, 10, 11]),
   "Invoices created late in the evening are dated the following day.",
   "Messages in chat show a time several hours ahead of what my laptop says."],
  ["Our account timezone is set correctly in settings.", "We're based in {city}."],
  ["Is this a bug or a setting I'm missing?"], prio="low")

S("Reports",
  ["Feature request: dark mode", "Any plans for dark mode?"],
  ["Is a dark theme on the roadmap for the web app?",
   "Small request: I'd love a dark mode for the web app, I do my invoicing late at night."],
  ["The mobile app follows the system setting but the web app doesn't."],
  ["Thanks for considering it."], window=("2018-01", "2020-05"), prio="low", weight=0.5)  # shipped 2020-06

S("Account & Billing",
  ["Accountant can't see reports", "User role permissions", "Restrict payroll access"],
  ["I invited our external accountant, but she gets 'access denied' on the profit and loss report.",
   "Our office manager can see payroll amounts, which she shouldn't."],
  ["She has the Accountant role, which I thought included reports.",
   "I'd like to limit payroll to the two directors."],
  ["Which role should I use?", "Can roles be customised?"])

S("Integrations",
  ["Bank feed disconnected", "Bank transactions not importing", "Bank connection keeps failing"],
  ["Our bank feed stopped importing transactions {n} days ago.",
   "The app keeps asking me to reconnect our business account, and it fails each time."],
  ["We bank with {bank}.",
   "The connection page shows 'authentication required' even after I re-enter the details."],
  ["Is there a problem with that bank's connection right now?"])

S("Invoicing",
  ["Duplicate customers", "Merge contacts", "Same client listed three times"],
  ["Our customer list has lots of duplicates after an import.",
   "The same client appears three times with slightly different spellings."],
  ["Each duplicate has its own invoices attached.",
   "Statements are going out split across the copies."],
  ["Is there a way to merge them and keep the invoice history?", "Can you merge them for us?",
   F("Could the AI agent do the merge, or is that not safe?", "2025-04")], prio="low")

S("Invoicing",
  ["Spreadsheet import failed", "Import error on row {row}", "Only half my invoices imported"],
  ["Importing our product list from a spreadsheet fails with 'invalid value on row {row}'.",
   "The contact import stops partway with an error that just says 'unexpected format'.",
   "I tried to import our old invoices from a spreadsheet and only half of them came in."],
  ["Row {row} looks perfectly normal to me.", "Dates in the file are in day/month/year format."],
  ["Can you tell me what the importer is expecting?", "Is there a template file I should start from?"])

S("Security & Privacy",
  ["SAML SSO setup", "Single sign-on question", "SSO 'invalid audience' error"],
  ["We're trying to set up single sign-on with {idp} and get an 'invalid audience' error.",
   "Does the Business plan include SAML single sign-on?"],
  ["I copied the entity ID and ACS URL from your settings page.",
   "Our IT contractor is setting it up and only has a few hours booked."],
  ["Is there a setup guide for our provider?", "Could you check the metadata on your side?"])

S("Invoicing",
  ["Invoice PDF layout broken", "Line items cut off on PDF", "Totals overlap terms on PDF"],
  ["Long invoices split across pages cut the last line item in half.",
   "The totals box on the PDF overlaps the payment terms text."],
  ["It only happens when a line description wraps onto two lines.",
   "Clients have started asking if the missing line was charged."],
  ["Can you take a look? I can send an example.", "Is there a different template that avoids this?"])

S("Invoicing",
  ["How to set up multiple tax rates", "Different tax rate per product", "Reduced tax rate"],
  ["We sell to customers in different states and need to charge different sales tax rates.",
   "How do I add a reduced tax rate for some products?"],
  ["Right now every line gets the same {pct}% rate.",
   "Some of our products are exempt, too."],
  ["Can a default rate be set per customer?", "Where are tax rates managed?"], prio="low")

S("Payroll",
  ["Overtime calculated wrong", "Overtime rate question", "Overtime on a short week"],
  ["Overtime for our hourly staff is being paid at straight time.",
   "The payroll preview shows overtime for an employee who worked under 40 hours."],
  ["Timesheets are imported from the time-tracking integration.",
   "Two of the affected people also worked a public holiday that week."],
  ["Where is the overtime rule configured?"], prio="high")

S("Payroll",
  ["Holiday balance not accruing", "PTO accrual wrong", "Part-time leave accrual"],
  ["Employees' holiday balances haven't increased since January.",
   "The PTO accrual for part-time staff is calculated as if they were full-time."],
  ["The accrual policy is set to {n_hours} hours per pay period.",
   "Staff have noticed and are asking me about it."],
  ["Can you check the policy setup?", "Do I need to recalculate past periods by hand?"])

S("Account & Billing",
  ["Is Northwind down?", "Site not loading", "502 errors"],
  ["Getting a 502 Bad Gateway error on every page right now.",
   "Nobody in our office can log in this morning.",
   "The web app is completely unreachable from here."],
  ["Your status page says all systems are operational.",
   "Tried different browsers and a phone on mobile data.",
   "Colleagues at home are seeing the same thing, so it's not just our office."],
  ["Is there an outage?", "Please let us know when it's back.", "Is there an ETA?"], prio="urgent")

S("Account & Billing",
  ["Trial extension", "Question about plans", "Nonprofit discount?"],
  ["Our free trial ends tomorrow and we haven't had time to test payroll properly.",
   "Do you offer a discount for registered charities?",
   "What's the difference between the Standard and Business plans for team chat?"],
  ["We're a {n_emp}-person {biz}.",
   "We're comparing you with two other tools at the moment."],
  ["Could you extend it by a week or two?", "Happy to hop on a call.", "Is there a pricing page for that?"],
  prio="low")

S("Invoicing",
  ["Multi-currency invoice exchange rate", "Foreign currency invoices", "Stale exchange rate"],
  ["Invoices in euros are being converted with an exchange rate from several days ago.",
   "Can I invoice a customer in Canadian dollars while our books stay in US dollars?"],
  ["The difference adds up on larger invoices.",
   "Our bank converts at a different rate, so every payment leaves a small difference to write off."],
  ["Where does the exchange rate come from?", "Can I enter my own rate per invoice?"])

S("Invoicing",
  ["Recording a partial payment", "Invoice marked paid after partial payment"],
  ["A customer paid half of invoice {inv} and the app marked the whole thing as paid.",
   "How do I record a partial payment against an invoice?",
   "A client pays us in three instalments and I can't work out how to show that on one invoice."],
  ["The remaining balance disappeared from the overdue report."],
  ["Can I undo this?", "What's the best practice here?"])

S("Invoicing",
  ["Credit note", "Issuing a refund to a client", "Credit note numbering"],
  ["I need to issue a credit note against invoice {inv} but can't find the option.",
   "We refunded a client for a cancelled order and the invoice still shows as paid in full."],
  ["Our accountant wants credit notes to have their own numbering.",
   "The customer needs a document they can put through their own accounts."],
  ["What's the right way to do this?", "Is there a guide for refunds and credit notes?"])

S("Team Chat",
  ["Archived a channel by mistake", "Restore deleted channel", "Private channel disappeared"],
  ["Someone archived our #operations channel by accident.",
   "A team member left and their private channel disappeared with them."],
  ["It had years of discussion we still refer to.",
   "The person who did it is mortified."],
  ["Can you restore it?", "Is anything deleted permanently, or can it all come back?"], prio="high")

S("Team Chat",
  ["Inviting clients to chat", "Guest accounts", "Guest invitation link invalid"],
  ["Can we invite clients into a single chat channel without giving them access to everything?",
   "Guest users we invited say the invitation link is invalid."],
  ["We'd rather not pay a full seat for someone who only needs one channel.",
   "The invitations were sent yesterday afternoon."],
  ["How do guest accounts work on our plan?"], prio="low")

S("Mobile Apps",
  ["Receipt scanner reads wrong amount", "Expense photo not uploading", "Receipt OCR problems"],
  ["The receipt scanner in the mobile app keeps reading the total as the tax amount.",
   "Photos of receipts taken in the app upload blank."],
  ["It seems to struggle with thermal paper receipts.", "I'm using {a_phone}."],
  ["Anything I can do to improve it?"])

S("Payroll",
  ["Thank you!", "Great support", "Thanks to your team"],
  ["Just wanted to say thanks to the agent who helped me with our payroll setup last week.",
   "No problem to report, just a thank-you for fixing the export issue so quickly."],
  ["It saved us a lot of stress at month-end."],
  [], prio="low", weight=0.5)

S("Invoicing",
  ["Invoice numbering for new year", "Reset invoice numbers", "Invoice number prefix"],
  ["We'd like invoice numbers to start again from 001 with the new year as a prefix.",
   "After the new year our invoice numbers kept counting up from last year."],
  ["Our format is year-number, like {year}-045.", "Our accountant insists on a new sequence every year."],
  ["Is there a setting for this?"], months=[12, 1], prio="low")

S("Invoicing",
  ["Automatic late fees", "Late fee added incorrectly"],
  ["A late fee was added to an invoice that the customer paid on time.",
   "Can the app add a late fee automatically after 30 days?"],
  ["The payment was recorded two days before the due date.",
   "The customer was not impressed."],
  ["Can you remove it and check why it happened?", "Where are late fee rules set?"])

S("Security & Privacy",
  ["Suspicious login alert", "Login from another country?", "Unknown sign-in"],
  ["I got an email about a new sign-in from {foreign_city}, and nobody here has been there.",
   "The security log shows logins at 3am from an IP address we don't recognise."],
  ["I changed my password right away.", "Two-factor was not switched on for that user."],
  ["Can you check whether anything was accessed or changed?", "Can you send us the full access log?"],
  prio="urgent")

S("Payroll",
  ["Payslips not emailed", "Employees can't open payslips", "Payslip password"],
  ["Employees didn't get their payslip emails after this week's run.",
   "Some staff say the payslip PDF asks for a password they don't know."],
  ["The payroll itself went through fine.", "I can see the payslips fine from the admin side."],
  ["What is the password format?", "Can they be resent?"])

S("API",
  ["Docs example doesn't work", "SDK throws error on create invoice", "400 error from docs sample"],
  ["The code sample for creating an invoice in your docs returns a 400 error.",
   "The {sdk} SDK throws a validation error when I pass a due date."],
  ["The error message says 'line_items[0].unit_price must be a string'.",
   "Passing the same payload with curl works."],
  ["Are the docs out of date?", "Which SDK version matches the current docs?"])

S("Team Chat",
  ["Importing history from Slack", "Migrate from Slack", "Slack import shows Unknown user"],
  ["We're moving our team off Slack and want to bring our message history with us.",
   "The Slack import finished but all messages show as sent by 'Unknown user'."],
  ["We have about {n} channels and around four years of history.",
   "Our Slack plan ends at the end of the month."],
  ["Is there a way to map users after the import?", "Do private channels come across too?"])

S("Account & Billing",
  ["Full data export", "Backup of all our data", "Offline copy for auditor"],
  ["Is there a way to download a complete backup of our account, invoices and all?",
   "Our auditor asked us to keep an offline copy of everything in Northwind."],
  ["We'd need attachments and chat history too, not just invoices.",
   "A zip of PDFs plus spreadsheets would be ideal."],
  ["What format does it come in?", "How long does an export take for a big account?"], prio="low")

S("Desktop App",
  ["Desktop app not syncing", "Desktop client stuck on 'Syncing'", "Receipts missing from desktop uploader"],
  ["The desktop app has been stuck on 'Syncing' since this morning on my {os_desktop} machine.",
   "Receipts I drop into the desktop uploader never show up in the web app."],
  ["Restarting the app and the computer didn't help.",
   "The icon in the system tray just keeps spinning."],
  ["Where can I find the log file to send you?", "Should I reinstall?"])

# --- Time-specific scenarios --------------------------------------------------
S("Security & Privacy",
  ["GDPR - Data Processing Agreement", "Do you have a DPA for GDPR?", "GDPR compliance questions"],
  ["With GDPR coming into force on 25 May, our lawyer says we need a signed Data Processing Agreement with you.",
   "We're reviewing all our suppliers for GDPR and need to know where our customer data is stored.",
   "Is Northwind Cloud GDPR compliant, and do you have a list of sub-processors?"],
  ["We have a lot of EU customers on our invoicing list.",
   "We also need to know whether any data leaves the EU.",
   "Our compliance questionnaire is attached, it's about 40 questions."],
  ["Can you send the DPA for signature?", "Who is your data protection officer?"],
  window=("2018-01", "2018-05"), weight=1.5)

S("Security & Privacy",
  ["Consent checkbox on client portal", "GDPR consent for marketing emails", "Newsletter opt-in wording"],
  ["We need an explicit opt-in checkbox for marketing emails on the client payment portal, because of GDPR.",
   F("After the GDPR update, our client portal still pre-ticks the 'keep me informed' box, which I'm told isn't allowed.", "2018-05"),
   "A customer asked us to prove when they gave consent to receive our emails."],
  ["The consent text should be editable, our lawyer wants specific wording.",
   "We need to store the date and time consent was given."],
  ["Is there a way to export the consent records?"], window=("2018-03", "2019-06"))

S("Security & Privacy",
  ["Right to erasure request", "Subject access request from an ex-employee", "Delete a customer's personal data"],
  ["A former customer has made a right-to-erasure request under GDPR and wants all their data deleted.",
   "An ex-employee sent us a subject access request and we need everything we hold on him, including chat messages.",
   "How do I delete a client's personal data while keeping the invoices we're legally required to retain?"],
  ["We have one month to respond.", "Deleting the contact seems to delete their invoices too, which we can't do."],
  ["What's the recommended way to handle this in Northwind?"], window=("2018-05", "2019-12"), prio="high")

S("API",
  ["Old POS can't connect after TLS change", "TLS 1.0 deprecation", "API connection errors since Saturday"],
  [F("We got your email about disabling TLS 1.0 and 1.1 before the PCI deadline at the end of June.", end="2018-06"),
   F("Our old point-of-sale terminal stopped syncing with your API, and the vendor says it's because you switched off TLS 1.0.", "2018-07"),
   F("Our integration running on an old Windows Server box fails the SSL handshake since the weekend.", "2018-07")],
  ["The POS vendor won't update the software for another few months.",
   "Our card terminal software is a few years old and I'm not sure what it supports.",
   "It's running .NET 4.0, which I gather doesn't use TLS 1.2 by default."],
  ["Is there any way to get an extension?", "Which cipher suites do you support now?"],
  window=("2018-04", "2018-10"), prio="high")

S("Reports",
  ["Chart viewer asks for Flash", "Legacy reports need Flash Player", "Charts blank in Chrome"],
  [F("The old cash flow chart in the legacy reports section asks me to enable Adobe Flash.", end="2020-06"),
   F("Chrome keeps blocking the Flash plugin on the reports page, so the charts are just a grey box.", end="2020-09"),
   F("I read that Flash Player is being discontinued and our yearly report still uses it.", "2018-01", "2020-06"),
   F("With Flash reaching end of life on 31 December, will the old chart reports still work?", "2020-07", "2020-12"),
   F("Since Flash was switched off in January, the year-over-year chart in legacy reports is just a blank box.", "2021-01", "2021-02")],
  [F("I have to click 'allow' every time I open it, and sometimes it doesn't work at all.", end="2020-12"),
   "Our IT guy doesn't want Flash installed on the office machines."],
  [F("Will the legacy reports be rebuilt before Flash goes away?", end="2020-12"),
   "Is there an HTML5 version of these charts?"],
  window=("2018-01", "2021-02"), prio="low")

S("Security & Privacy",
  ["Meltdown and Spectre", "Are you patched for Spectre?", "Meltdown patch statement"],
  ["Our IT provider asked whether Northwind's servers have been patched for Meltdown and Spectre.",
   "Since the Meltdown patches went out, the desktop sync app is noticeably slower on our older PCs."],
  ["We need something in writing for our insurer."],
  ["Could you send a short statement?", "Is there anything we can do to speed it up?"],
  window=("2018-01", "2018-04"))

S("Account & Billing",
  ["Facebook login button gone", "Can't sign in with Facebook"],
  ["I always signed in with my Facebook account and the button is gone from the login page.",
   "Your email said you removed 'Log in with Facebook' after the Cambridge Analytica news, but I never set a password."],
  ["My account email is the one tied to Facebook."],
  ["How do I get into my account now?"], window=("2018-04", "2018-12"), prio="high")

S("Payroll",
  ["New federal withholding tables", "Paychecks changed after tax law"],
  ["Employees noticed their federal withholding changed on the February paychecks.",
   "Have the 2018 withholding tables from the new tax law been loaded into payroll yet?"],
  ["A couple of people are asking whether they need new W-4s."],
  ["Can you confirm the new tables are in use?"], window=("2018-01", "2018-04"))

S("Invoicing",
  ["Making Tax Digital for VAT", "MTD VAT submission", "Connecting to HMRC"],
  [F("We're VAT registered and need to be Making Tax Digital compliant from April.", end="2019-03"),
   "Can we submit our VAT return to HMRC directly from Northwind, or do we need bridging software?",
   F("The HMRC connection for VAT returns says our authorisation has expired.", "2019-04")],
  ["Our turnover is just over the VAT threshold.", "Our accountant currently submits through the HMRC website."],
  ["What do we need to do before our first quarter under MTD?", "How do I re-authorise the connection?"],
  window=("2018-06", "2019-12"))

S("Mobile Apps",
  ["Siri Shortcuts support?", "Widget empty after iOS 12"],
  ["Any plans to support Siri Shortcuts in the iOS app? I'd love to say 'log expense' and have it open the camera.",
   "The Today widget stopped showing outstanding invoices after I updated to iOS 12."],
  ["I'm on an {iphone}."],
  ["Thanks!"], window=("2018-09", "2019-06"), prio="low")

S("Desktop App",
  ["Windows 7 support for desktop app", "Desktop sync on Windows 7", "Will Windows 7 still work?"],
  [F("Most of our office PCs still run Windows 7 and I hear Microsoft is ending support in January.", end="2019-12"),
   F("Will the desktop sync client keep working on Windows 7 after Microsoft ends support?", end="2020-01"),
   F("Since January, the desktop app installer refuses to run on our Windows 7 machines.", "2020-02"),
   "Our bookkeeper's laptop is still on Windows 7 and the new desktop app update won't install."],
  ["We're planning to upgrade to Windows 10 but the budget won't allow it until spring.",
   "We can't afford to replace the machines until after the busy season."],
  ["Will the previous version keep working in the meantime?", "How long will you support it?"],
  window=("2019-01", "2020-06"), weight=2)

S("API",
  ["Python SDK dropping 2.7?", "Python 2 support", "SDK install fails on Python 2.7"],
  ["Our integration uses the Python SDK on Python 2.7, and I saw a deprecation warning in the logs.",
   F("Will you keep publishing the Python SDK for Python 2 after the sunset in January 2020?", end="2019-12"),
   F("pip install of the latest northwind SDK fails on our Python 2.7 server.", "2019-03")],
  ["The script was written by a contractor who's long gone, so porting it to Python 3 is a project.",
   "We're running it on an old CentOS 6 box."],
  ["Which version of the SDK is the last one that works on 2.7?",
   "How long will the old SDK keep working against the API?"],
  window=("2019-01", "2020-06"), weight=2)

S("Invoicing",
  ["Brexit and VAT on invoices", "Invoicing EU customers after Brexit", "XI VAT numbers"],
  [F("We're a UK business with customers in Ireland and France and we're not sure how Brexit will change our invoices.", end="2020-12"),
   F("If there's a no-deal Brexit, will the app handle reverse charge VAT automatically?", end="2019-10"),
   F("How do we add a Northern Ireland XI VAT number to a customer record?", "2020-12"),
   F("Since 1 January our EU customers say our invoices need different VAT wording now that the UK has left.", "2021-01")],
  [F("Our accountant keeps saying 'wait and see'.", end="2020-12"),
   "We also ship physical goods, so customs might come into it.",
   "About a third of our customers are in the EU."],
  ["Are you planning any changes to VAT settings for this?", "Is there a help article on this?"], window=("2019-01", "2021-06"))

S("Desktop App",
  ["Desktop app won't open on Catalina", "macOS Catalina 32-bit warning"],
  ["After upgrading my Mac to Catalina, the old desktop receipt uploader won't open at all.",
   "macOS said the desktop app 'needs to be updated' because it's 32-bit."],
  ["I can't roll back the OS now."],
  ["Is there a 64-bit version?"], window=("2019-10", "2020-03"), prio="high")

S("Integrations",
  ["Embedded payment form broken in Chrome", "SameSite cookie issue", "Payment portal iframe logs out"],
  ["The payment form we embed on our website stopped working in the latest Chrome, but it's fine in Firefox.",
   "Our developer thinks the new SameSite cookie rules in Chrome are breaking your embedded client portal."],
  ["Customers see the login page inside the iframe instead of the invoice."],
  ["Are you updating your cookies to SameSite=None with the Secure flag?"], window=("2019-11", "2020-08"),
  prio="high")

S("Security & Privacy",
  ["CCPA request", "California privacy law", "Do Not Sell link"],
  [F("We have customers in California and I've been told the CCPA applies to us from January.", end="2019-12"),
   "A California customer asked us what personal information we hold about them, citing the CCPA."],
  ["We're not sure whether we count as a 'business' under the law."],
  ["Do you have documentation on how Northwind handles CCPA requests?"], window=("2019-09", "2020-12"))

S("Mobile Apps",
  ["App doesn't support iOS 13 dark mode", "Dark mode makes text invisible", "Sign in with Apple?"],
  ["With dark mode on in iOS 13, some labels in the app are black text on a black background.",
   "Sign in with Apple would be great now that iOS 13 supports it."],
  ["It's mostly the invoice detail screen."],
  ["Is an update planned?"], window=("2019-09", "2020-02"), prio="low")

S("Payroll",
  ["New 2020 W-4 form", "Withholding for new W-4", "W-4 Step 4 amounts"],
  ["New hires are filling out the redesigned 2020 W-4, which doesn't have allowances anymore.",
   "Where do I enter the Step 4 amounts from the new W-4 in payroll?"],
  ["Existing employees haven't been asked to resubmit.",
   "One new hire checked the box for two jobs and I'm not sure where that goes."],
  ["Is the new form supported yet?", "Is there a help article for the new W-4?"], window=("2019-11", "2020-04"))

S("Account & Billing",
  ["Office closed due to COVID-19", "Coronavirus - pausing our plan", "Lockdown: can we pause?"],
  ["Our shop has been closed because of the coronavirus lockdown and we have almost no income.",
   "Due to COVID-19 we've had to close the office and everyone is working from home.",
   "Is there any way to pause our subscription while we're shut down for COVID-19?"],
  ["We hope to reopen in a few weeks but nobody really knows.",
   "Staff will still need access to their payslips from home."],
  ["What options do we have?", "Can we downgrade temporarily without losing data?"],
  window=("2020-03", "2020-06"), prio="high", weight=2)

S("Payroll",
  ["Pausing payroll during lockdown", "COVID-19: most staff laid off temporarily"],
  ["With the lockdown, we need to pause payroll for most staff but keep two people on.",
   "The restaurant is closed under the stay-at-home order and I need to stop paying hourly staff without terminating them."],
  ["We want to keep their records and benefits set up for when we reopen."],
  ["What's the cleanest way to do this in Northwind?"], window=("2020-03", "2020-06"), prio="high", weight=2)

S("Payroll",
  ["Payroll tax deferral", "Deferring employee social security", "Repaying deferred social security"],
  [F("Does Northwind support the employee social security tax deferral from the presidential memo?", end="2020-12"),
   "We deferred the employer share of social security under the CARES Act and need to track the repayment.",
   F("Employees who had social security deferred last year are now having extra withheld, and they're asking why.", "2021-01")],
  ["Some of our employees asked not to participate."],
  ["How do I opt our company in or out?",
   "Is there a report showing how much was deferred for each employee?"], window=("2020-08", "2021-04"))

S("Payroll",
  ["Furlough pay in payroll", "Job Retention Scheme claim report", "Flexible furlough hours"],
  ["We've put {n} staff on furlough under the Job Retention Scheme and need to pay them 80 percent.",
   F("How do I record flexible furlough, where people work part of the week and are furloughed for the rest?", "2020-07"),
   "I need a report of furloughed hours and pay to submit our CJRS claim to HMRC.",
   F("The furlough scheme ends this month and I need to bring everyone back to normal pay.", "2021-09")],
  ["The cap is 2,500 pounds a month, which affects two of our managers.",
   F("Employer contributions changed this month, so the claim amounts are different.", "2020-08", "2020-10")],
  ["Is there a furlough pay type, or should I create one?",
   "Can the claim report be exported in the format the HMRC portal wants?",
   "Please advise, the claim window closes soon.",
   "Do I need to do anything with the furlough pay type once everyone is back?"], window=("2020-04", "2021-09"), prio="high", weight=1.5)

S("Payroll",
  ["PPP loan payroll report", "Paycheck Protection Program documentation", "PPP forgiveness - FTE report"],
  ["Our bank needs payroll reports for our Paycheck Protection Program loan application by Friday.",
   "We got a PPP loan and need to show payroll costs for the covered period for forgiveness.",
   F("The bank wants average monthly payroll for last year, excluding pay over the 100k cap.", end="2020-08"),
   F("Applying for a second draw PPP loan and the lender wants quarterly payroll totals.", "2021-01")],
  ["I can't find a report that shows full-time equivalents.",
   "It needs to include health insurance and retirement contributions too."],
  ["Which report should I use?", "Can you help? This is really time-sensitive."],
  window=("2020-04", "2021-05"), prio="high", weight=1.5)

S("Team Chat",
  ["Adding staff for remote work", "Everyone working from home", "Remote team chat setup"],
  ["Our whole team is now working remotely and we need to get {n} more people onto team chat this week.",
   "Now that we're fully remote, people want to be able to call each other from the chat app.",
   "We've gone remote for the foreseeable future and I'm getting complaints that chat is slow on home Wi-Fi.",
   "Staff working from home can't access the payroll section, I think because of our IP allow-list."],
  ["Half of them are on personal laptops.", "Some are using the mobile app only."],
  ["Any tips for rolling this out quickly?", "Is there a list of IP ranges or domains we need to allow?"],
  window=("2020-03", "2021-06"))

S("Integrations",
  ["Zoom integration", "Start Zoom meeting from chat", "Zoom links not unfurling"],
  [F("Is there a Zoom integration for team chat, so we can start a meeting from a channel?", end="2020-04"),
   F("The Zoom integration stopped creating meeting links when I type /zoom.", "2020-05"),
   F("Zoom links pasted in chat don't show the preview anymore.", "2020-05")],
  ["We reconnected the Zoom app on the integrations page already.",
   "We run all our client meetings on Zoom now."],
  ["When will it be fixed?", "Could you point me to the setup instructions?"], window=("2020-03", "2022-06"), weight=1.5)

S("Security & Privacy",
  ["Zoombombing concern", "Are our meeting links public?"],
  ["After all the news about Zoombombing, I'm worried that the Zoom links posted in our public channels are visible to guests.",
   "Someone we don't know joined our staff meeting using the link from a chat channel."],
  ["We have two guest accounts in that channel."],
  ["Can we make the integration generate password-protected meetings by default?"],
  window=("2020-04", "2020-06"), prio="high")

S("Integrations",
  ["Microsoft Teams integration?", "Post invoice notifications to Teams"],
  ["Our company standardised on Microsoft Teams; can invoice notifications be posted there instead of Northwind chat?",
   "Is there a way to sync our Northwind chat channels with Microsoft Teams for a client who uses it?"],
  ["Right now someone copies payment alerts across by hand."],
  ["Is this planned?"], window=("2020-05", "2022-02"), prio="low")

S("Payroll",
  ["Employee Retention Credit report", "ERC qualified wages"],
  ["Our CPA is filing for the Employee Retention Credit and wants qualified wages per employee per quarter.",
   "Can Northwind calculate the Employee Retention Credit on Form 941?"],
  ["We also had a PPP loan, so the same wages can't be counted twice."],
  ["Is there a report for this?"], window=("2020-06", "2021-12"))

S("Desktop App",
  ["Desktop app on M1 Mac", "Apple Silicon support"],
  ["Does the desktop app run natively on the new M1 MacBook Air or does it need Rosetta?",
   "The desktop app is slow to start on my new M1 Mac."],
  ["Everything else on the machine is fast."],
  ["Is a native version coming?"], window=("2020-11", "2021-06"), prio="low")

S("Payroll",
  ["COVID vaccination leave type", "Paid leave for vaccine appointments", "Vaccine leave policy"],
  ["We're giving staff up to four hours of paid leave to get their COVID-19 vaccine and need a leave type for it.",
   "How should I track time off for vaccination appointments and side effects separately from sick leave?",
   F("Our vaccination leave policy now covers booster shots too; can the same leave type be reused?", "2021-09")],
  ["We want it to show on payslips but not reduce anyone's sick leave balance.",
   "We might be eligible for a tax credit for this leave."],
  ["Can I create a custom leave type?"], window=("2021-01", "2022-03"), weight=2)

S("Payroll",
  ["Lots of staff out with COVID", "Isolation pay", "Omicron - last-minute payroll changes"],
  ["Half our kitchen staff are isolating with Omicron and I need to adjust this week's payroll at the last minute.",
   "With the Omicron wave, we're back to working from home and people can't reach the payroll section off the VPN.",
   "How do I record COVID isolation absences so we can claim the SSP rebate again?"],
  ["Timesheets for this week are a mess."],
  ["Can the submission deadline be pushed a day?", "What's the quickest fix?",
   "Is there a report I can use for the rebate claim?"], window=("2021-12", "2022-02"), prio="high", weight=2.5)

S("Team Chat",
  ["Hybrid work schedules", "Office days in chat status", "Who's in the office today?"],
  ["We're moving to hybrid work, three days in the office; can people set an 'in office' status in chat?",
   "Now that we're back in the office part-time, is there a way to see who's in today?"],
  ["At the moment people post it in #general every morning."],
  ["Would love this feature."], window=("2021-05", "2022-09"), prio="low")

S("Payroll",
  ["Lots of leavers - final pay", "Final paycheck processing", "Paying out unused vacation"],
  ["With everyone talking about the Great Resignation, we've lost {n} people this quarter and final paychecks are getting messy.",
   "How do I pay out unused vacation on a final paycheck?"],
  ["Some of them gave two days' notice."],
  ["Is there a checklist for leavers?"], window=("2021-06", "2022-06"))

S("Mobile Apps",
  ["App asking to track me?", "App Tracking Transparency prompt"],
  ["After iOS 14.5 the app asked permission to track me across other apps; why does an invoicing app need that?",
   "Our staff are worried about the new tracking prompt in the iPhone app."],
  ["I tapped 'Ask App Not to Track'."],
  ["Does that break anything?"], window=("2021-04", "2021-08"), prio="low")

S("Desktop App",
  ["Windows 11 support", "Duplicate notifications on Windows 11"],
  ["Is the desktop app supported on Windows 11?",
   "After upgrading to Windows 11, the desktop app's notifications appear twice."],
  ["We're buying new laptops and they come with it preinstalled."],
  ["Any known issues?", "Is that a known bug?"], window=("2021-10", "2022-06"), prio="low")

S("Integrations",
  ["Facebook share asks for Meta account", "Meta login prompt"],
  ["The 'Share to Facebook' integration now asks me to log in with a Meta account; is that legit?"],
  ["It looks a bit like a phishing page."],
  ["Can you confirm?"], window=("2021-11", "2022-03"), prio="low")

S("Security & Privacy",
  ["Log4j vulnerability (CVE-2021-44228)", "Are you affected by Log4Shell?", "Log4j statement needed"],
  ["Are any Northwind services affected by the Log4j vulnerability, CVE-2021-44228?",
   "Our security team needs a statement about Log4Shell from every SaaS vendor by Monday.",
   "Does the on-premise sync agent bundle log4j?"],
  ["We're also asking about the follow-up CVE-2021-45046.",
   "Our MSP is running scans across everything we use."],
  ["Please reply as soon as you can."], window=("2021-12", "2022-02"), prio="urgent", weight=2)

S("Security & Privacy",
  ["Security questionnaire", "Annual vendor review", "SBOM request"],
  ["Our annual vendor security questionnaire includes a section on how you responded to Log4Shell.",
   "A client of ours requires evidence that all suppliers have fully remediated Log4j, including in old containers.",
   "Our cyber insurance renewal asks whether our vendors can provide an SBOM after the Log4Shell incident."],
  ["They also want a copy of your latest SOC 2 report."],
  ["Who should I send it to?"], window=("2022-02", "2023-06"))

S("Account & Billing",
  ["Internet Explorer no longer supported?", "IE11 retirement", "Unsupported browser banner"],
  ["Our front desk PC still uses Internet Explorer 11 and the app now shows an 'unsupported browser' banner.",
   "Microsoft is retiring Internet Explorer in June; does the legacy invoice portal work in Edge's IE mode?"],
  ["That PC runs an old booking program that only works in IE."],
  ["What do you recommend?"], window=("2022-03", "2022-08"), prio="low")

S("Payroll",
  ["Four-day week setup", "Changing standard hours"],
  ["We're trialling a four-day week and need to change everyone's standard hours without changing their salary.",
   "Holiday accrual went down after we moved staff to a four-day, 32-hour week."],
  ["The trial runs for six months."],
  ["What's the right way to configure this?"], window=("2022-06", "2023-02"))

S("Account & Billing",
  ["Price increase", "Why is our plan more expensive?"],
  ["We got an email that our plan price is going up; with inflation hitting us too, is there any discount for annual?",
   "Our renewal is 15 percent higher than last year and nobody told us."],
  ["Everything else is going up at the same time."],
  ["Can you explain the change?"], window=("2022-06", "2023-06"))

S("API",
  ["Heroku free tier ending", "Webhook receiver moving hosts"],
  ["Our webhook receiver was on Heroku's free tier, which is shutting down in November; if it's down, will you keep retrying events?",
   "We moved our webhook endpoint off Heroku and now we're missing events from the weekend."],
  ["The new URL is already updated in settings."],
  ["How long do you retry failed deliveries?"], window=("2022-09", "2023-01"))

S("Security & Privacy",
  ["Support for passkeys?", "Passkey login", "Passwordless sign-in"],
  ["Apple and Google are pushing passkeys now; any plans to support them instead of passwords?",
   "Can we sign in with a passkey saved in iCloud Keychain?",
   F("I enabled the passkey beta and now I'm not sure how to sign in on a Windows PC.", "2022-12")],
  ["We'd love to get rid of passwords for the team."],
  ["Is there a timeline?", "Where do I find instructions for Windows?"], window=("2022-10", "2023-09"),
  prio="low", weight=1.5)

S("Security & Privacy",
  ["Passkey not working on new phone", "Passkey prompt keeps appearing", "Passkeys for admins only"],
  ["I set up a passkey on my laptop and now my phone won't let me sign in with it.",
   "The passkey prompt appears every time I log in even though I've dismissed it.",
   "Our front desk uses a shared login, and passkeys don't fit; can we require them for admins only?",
   "After moving to a new Android phone, my passkey is gone and I'm locked out."],
  ["My passwords are in 1Password, and it saved the passkey there.",
   "The old phone was wiped before I realised."],
  ["How do I fall back to a password?", "Is that possible on our plan?"], window=("2023-10", "2026-10"))

S("Integrations",
  ["Share to Mastodon?", "Are you on Mastodon?"],
  ["Can you add a 'Share to Mastodon' option next to the Twitter one on the invoice-paid thank-you page?",
   "Are you on Mastodon? We'd like to follow your status updates there instead of Twitter."],
  ["Several of our customers have moved there."],
  [], window=("2022-11", "2023-06"), prio="low", weight=1.5)

S("AI Assistant",
  ["ChatGPT", "Using ChatGPT with Northwind data", "Can we block ChatGPT?", "ChatGPT in team chat?"],
  ["Our staff have started pasting customer messages into ChatGPT to draft replies, and I'm nervous about it.",
   "Could you add something like ChatGPT to team chat so it can summarise long threads?",
   "I asked ChatGPT how to set up recurring invoices in Northwind and it gave me steps for menus that don't exist.",
   "Is there a way to export a report in a format ChatGPT can read so I can ask it questions about our cash flow?"],
  ["Everyone in the office is talking about it.",
   "Some of what gets pasted includes invoice amounts and client names."],
  ["What's your position on this?"], window=("2022-12", "2023-08"), weight=2)

S("API",
  ["GPT-4 script hitting limits", "Is the AI feature GPT-4?", "GPT-4 wrote outdated API calls"],
  [F("Is your upcoming AI feature built on GPT-4 or GPT-3.5?", end="2023-05"),
   "We built a small GPT-4 script that reads invoices via your API, and it keeps hitting the rate limit.",
   "I asked GPT-4 to write a script against your API and it used endpoints from v1 that no longer work."],
  ["Nothing in our account is particularly large.",
   "We have to tell our own clients which AI vendors touch their data."],
  ["Any guidance?"], window=("2023-03", "2024-06"), weight=1.5)

S("AI Assistant",
  ["AI assistant gave wrong answer", "Turn off AI assistant", "AI assistant data privacy",
   "AI assistant summary missing messages", "AI assistant button covers Save", "Question about the AI assistant"],
  ["The new AI assistant told one of our staff that an invoice had been paid when it hadn't.",
   "How do I switch off the AI assistant for our whole workspace?",
   "Does the AI assistant send our chat messages to OpenAI, and are they used for training?",
   "The AI assistant's channel summary left out the most important message of the day.",
   "Can the AI assistant answer questions about payroll, or only invoicing?",
   "The AI assistant button covers the Save button on smaller laptop screens."],
  ["Our clients' data is confidential under our contracts.",
   "It sounded very confident, which is part of the problem.",
   "Some of our staff find it handy, others want it gone."],
  ["Is there an admin setting for this?", "Can you send me your AI data processing terms?",
   "How do we report wrong answers so they get looked at?", "Is payroll support planned?",
   "Can it be moved or hidden?"],
  window=("2023-06", "2026-10"), weight=2)

S("Payroll",
  ["Payroll funding account at SVB", "Change payroll funding bank urgently"],
  ["Our payroll funding account is at Silicon Valley Bank and we need to switch it before Friday's run.",
   "With everything happening at SVB, can we change the bank account payroll is debited from without the usual week of verification?"],
  ["We've opened a new account at a bigger bank."],
  ["Please call me, this is urgent."], window=("2023-03", "2023-04"), prio="urgent")

S("Integrations",
  ["Auto-tweet stopped", "Twitter integration broken"],
  ["The automatic 'new invoice paid' tweet stopped working; is this because of Twitter's API changes?",
   "Our Twitter integration shows 'access revoked' and reconnecting fails."],
  ["We only used it for a monthly thank-you post."],
  ["Are you going to keep supporting it?"], window=("2023-02", "2023-06"), prio="low")

S("Integrations",
  ["Update Twitter icon to X", "Share to X broken", "Remove X share button"],
  ["Your footer still shows the old Twitter bird even though it's called X now.",
   "The 'Share on Twitter' button on our client portal opens X and then shows an error.",
   "Can we remove the X share button entirely? We don't want to be on that platform."],
  ["It's a small thing, but clients notice."],
  [], window=("2023-07", "2024-12"), prio="low", weight=1.5)

S("Integrations",
  ["Threads share option", "Are you on Threads?"],
  ["Are you planning to post status updates on Threads now that so many people have moved there?",
   "Could the share options include Threads and Mastodon as well as X?"],
  ["Our customers are mostly on Instagram and Threads."],
  [], window=("2023-07", "2024-09"), prio="low", weight=1.5)

S("Integrations",
  ["GA4 tracking on client portal", "Universal Analytics ending"],
  ["Universal Analytics stops working in July; does your client portal tracking support GA4 measurement IDs?",
   "The Google Analytics field in portal settings only accepts the old UA- codes."],
  ["Our marketing person is setting up GA4 now."],
  ["Is an update coming?"], window=("2023-03", "2023-08"), prio="low")

S("Integrations",
  ["Microsoft Copilot integration", "Copilot can't see Northwind data", "GitHub Copilot and your API"],
  ["Our company rolled out Microsoft 365 Copilot and staff want it to pull numbers from Northwind reports.",
   "Is there a Copilot connector for Northwind so people can ask about invoices from Teams?",
   "GitHub Copilot keeps suggesting deprecated v1 endpoints when our developer writes code against your API.",
   "Copilot in Outlook summarised a Northwind invoice email and got the amount wrong, and now a client is disputing it."],
  ["Our IT team has to approve any connector first."],
  ["Is this on your roadmap?", "Could you publish an OpenAPI spec so these tools stop guessing?",
   "Can you help me explain to the client what went wrong?"], window=("2023-11", "2026-10"), weight=2)

S("AI Assistant",
  ["AI-drafted invoice had made-up line item", "Draft with AI problems", "AI-generated invoice descriptions"],
  ["I used 'Draft with AI' for an invoice and it added a line item for a service we've never offered.",
   "The AI-drafted invoice copied last month's hours instead of using this month's timesheet.",
   "A client complained that our invoice descriptions now read like they were written by a chatbot.",
   "Can the AI invoice drafting use our product catalogue instead of inventing item names?",
   "An invoice drafted by the assistant used the wrong tax rate and I only noticed after it was sent."],
  ["Luckily I caught it before sending, but that's not reassuring.",
   "I had to issue a credit note and apologise."],
  ["Is there a way to require a human review before AI drafts can be sent?",
   "Can the drafting style be toned down, or switched off for descriptions?"],
  window=("2024-01", "2026-10"), prio="high", weight=2)

S("Security & Privacy",
  ["EU AI Act compliance", "AI Act documentation request", "Is the AI assistant a high-risk system?"],
  ["Our legal team is preparing for the EU AI Act and needs to know how Northwind's AI features are classified.",
   "Does the AI assistant count as a high-risk AI system under the EU AI Act if we use it for anything HR-related?",
   "A customer in Germany asked us for AI Act transparency information about the AI-drafted invoices we send.",
   F("We need documentation on the general-purpose AI models behind your assistant for our AI Act inventory.", "2025-08")],
  ["We use payroll data in the assistant occasionally.",
   F("We're also running the AI literacy training the Act has required since February 2025.", "2025-02")],
  ["Can you share whatever you've prepared for customers?", "Is there a named contact for AI compliance?"],
  window=("2024-03", "2026-10"), weight=2)

S("Mobile Apps",
  ["Apple Vision Pro app", "Vision Pro: chat window too far away", "Vision Pro pinch not working"],
  ["Will there be a native Vision Pro app, or should I use the iPad version?",
   F("The iPad app running on my Apple Vision Pro doesn't respond to pinch on the invoice list.", "2024-02", "2024-06"),
   F("In the Vision Pro app, the chat window opens so far away that the text is hard to read.", "2024-07")],
  ["Yes, I know we're early adopters."],
  [], window=("2024-02", "2026-10"), prio="low", weight=1.5)

S("Mobile Apps",
  ["iOS 18 bug", "Widget stale on iOS 18", "Face ID stopped working"],
  ["Since updating to iOS 18 the home screen widget shows yesterday's numbers.",
   "On iOS 18 the app icon looks broken when I use the tinted dark mode.",
   F("Face ID login stopped working after iOS 18.1.", "2024-11")],
  ["The phone is an {iphone}."],
  ["Is this a known issue?"], window=("2024-09", "2025-08"), weight=1.5)

S("Mobile Apps",
  ["Android 15 layout bug", "Notifications late on Android 15", "Receipt camera black screen"],
  ["After the Android 15 update, the app's bottom bar is hidden behind the navigation gestures.",
   "Android 15 keeps killing the app in the background, so chat notifications arrive late.",
   "Since Android 15, the receipt camera shows a black screen on my Pixel."],
  ["Battery optimisation is already turned off for the app."],
  ["Is a fix planned?"], window=("2024-10", "2025-09"), weight=1.5)

S("Payroll",
  ["Missed payroll cutoff - CrowdStrike outage", "Late payroll after IT outage"],
  ["Half our laptops blue-screened on Friday because of the CrowdStrike update and we missed the payroll cutoff.",
   "Our IT outage last week, the CrowdStrike one, means this pay run is late; can it still go out same-day?"],
  ["Everything is back up now."],
  ["What are our options?"], window=("2024-07", "2024-08"), prio="urgent")

S("Integrations",
  ["Are you on Bluesky?", "Share to Bluesky"],
  ["Are you on Bluesky? We left X and would like to follow your status updates there.",
   "Could the client portal share buttons include Bluesky?"],
  [], [], window=("2024-11", "2025-06"), prio="low", weight=0.6)

S("AI Assistant",
  ["Which model does the assistant use?", "Bring our own Azure OpenAI key", "Model choice for AI assistant"],
  ["Which model does the AI assistant use now, GPT-4o, Claude or Gemini?",
   "Could we bring our own Azure OpenAI key so the assistant runs in our tenant?",
   F("Is the assistant on GPT-5 now? The answers got longer but not better.", "2025-08"),
   F("Our developers prefer Claude; can the assistant use Claude Sonnet instead of the default model?", "2024-07"),
   F("Can we pin the assistant to Gemini so it matches the rest of our Google Workspace setup?", "2025-03")],
  ["Our data protection officer wants to know where prompts are processed."],
  ["Please let me know the options."], window=("2024-05", "2026-10"))

S("Mobile Apps",
  ["Apple Intelligence summaries garble messages", "Lock screen summaries wrong"],
  ["Apple Intelligence notification summaries are mangling our chat messages into nonsense on the lock screen.",
   "The iPhone summarised three chat messages as 'payroll cancelled', which scared our staff."],
  ["I know this is Apple's feature, not yours."],
  ["Can the app opt out of notification summaries?"], window=("2024-11", "2025-06"), prio="low")

S("Invoicing",
  ["XRechnung / ZUGFeRD", "E-invoicing Germany 2025", "Receiving e-invoices"],
  [F("From January 2025, German businesses must be able to receive e-invoices; can Northwind import XRechnung files?", end="2024-12"),
   "Can we send invoices as ZUGFeRD PDFs to German clients?",
   F("A German customer rejected our PDF invoice and asked for an XRechnung instead.", "2025-01")],
  ["We invoice about {n} German companies every month."],
  ["When will this be supported?"], window=("2024-06", "2026-10"))

S("AI Assistant",
  ["DeepSeek", "Block DeepSeek?", "Using DeepSeek with the API"],
  ["Our developer wants to try DeepSeek R1 for summarising invoices through your API; is that allowed under your terms?",
   "Does the AI assistant use DeepSeek or any model hosted in China? Our client asked.",
   "Staff are using the DeepSeek app on their phones, and I want to make sure none of our Northwind data ends up there.",
   "We run a local DeepSeek model on our own server; can the assistant be pointed at it?"],
  ["Our security policy lists which AI providers are approved.",
   "We also have customers in government who ask about this."],
  ["A written answer would be great.", "Can you confirm in writing?"], window=("2025-01", "2026-10"), weight=2)

S("AI Assistant",
  ["Agent mode sent invoices without approval", "Agentic workflow question", "AI agent and approvals",
   "Audit trail for AI agent actions"],
  ["We turned on the new agent mode and it sent reminder emails to clients we'd agreed to give extra time.",
   "Can an AI agent approve payroll, or does a human always have to click Approve?",
   "We're building an agentic workflow that reconciles payments overnight, and it keeps tripping the API rate limit.",
   "The agent created {n} draft invoices from a chat thread that was just people joking about pizza.",
   "Is there an audit trail showing which actions were taken by the AI agent versus a person?"],
  ["We need to be able to show our auditor exactly who did what.",
   "We love the time it saves, but this can't happen again."],
  ["Can we restrict the agent to drafting only?", "Can agent traffic get a higher rate limit?"],
  window=("2025-03", "2026-10"), prio="high", weight=2)

S("API",
  ["Official MCP server?", "MCP server auth error", "MCP connector permissions", "MCP server read-only scopes"],
  ["Do you have an official MCP server so we can connect Northwind to Claude Desktop?",
   "The community MCP server for Northwind stopped working after your OAuth changes.",
   "Our MCP server exposes your invoice tools to our AI agent, but it gets a 401 after about an hour.",
   "Can an API key used by an MCP server be limited to read-only scopes?",
   "Our developer set up the Northwind MCP server in Cursor and it listed payroll tools we didn't expect it to see."],
  ["We don't want an AI agent to be able to delete anything.",
   "The token refresh seems to be the problem."],
  ["Is there documentation for this?"], window=("2025-03", "2026-10"), weight=2.5)

S("API",
  ["AI-built integration problems", "Test data in live account", "API key exposed in browser?"],
  ["I vibe-coded a little dashboard on top of your API with an AI tool, and it accidentally created {n} test customers in our live account.",
   "An AI coding assistant generated an integration for us and it puts the admin API key in the browser; is that a problem?"],
  ["I'm not a developer, so please keep it simple.", "The tool I used was very confident it was fine."],
  ["Can you help me clean this up?", "Should I rotate the key?"], window=("2025-04", "2026-10"))

S("Desktop App",
  ["Windows 10 end of support", "Desktop app on Windows 10 after October", "Extended Security Updates"],
  [F("Windows 10 support ends in October and we still have six PCs on it; will the desktop app keep working?", end="2025-10"),
   "We enrolled our Windows 10 machines in Extended Security Updates; is that enough for your security requirements?",
   F("Since Windows 10 went out of support, your login page shows a warning on our office PCs.", "2025-11")],
  ["The hardware can't run Windows 11 because of the TPM requirement."],
  ["How long will you support it?"], window=("2025-03", "2026-08"), weight=2)

S("Invoicing",
  ["Bulgaria euro adoption", "BGN to EUR conversion", "Dual currency display BGN/EUR"],
  [F("Bulgaria is adopting the euro on 1 January 2026; how will our BGN invoices and price lists be converted?", end="2025-12"),
   "We need to show prices in both leva and euros on invoices during the dual-display period.",
   F("Since 1 January our Bulgarian entity invoices in EUR, but the currency settings still default to BGN.", "2026-01"),
   F("Old BGN invoices reopened for a credit note are being converted to EUR at a rounded rate instead of the fixed 1.95583.", "2026-01")],
  ["The official conversion rate is fixed at 1.95583 leva per euro.",
   "Our accountant in Sofia needs the reports split before and after the changeover."],
  ["Will you handle the conversion or do we have to update every customer manually?"],
  window=("2025-07", "2026-10"), prio="high", weight=2.5)

S("Mobile Apps",
  ["iOS 26 readability", "App freezes on iOS 26", "Liquid Glass tab bar"],
  ["After updating to iOS 26 the new Liquid Glass tab bar makes the invoice totals hard to read.",
   "On iOS 26 the app sometimes freezes when I switch back to it from another app."],
  ["It happens on my {iphone}."],
  ["Is an update planned?"], window=("2025-09", "2026-10"))

S("Mobile Apps",
  ["Android 16 notification grouping", "Notifications hide sender on Android 16"],
  ["Since Android 16 the app's notifications are grouped in a way that hides who sent the message.",
   "On Android 16 the live update for a running payroll approval never clears from the status bar."],
  ["The phone is a {android_phone}."],
  ["Any fix coming?"], window=("2025-07", "2026-10"), prio="low")

S("Payroll",
  ["No tax on tips reporting", "Qualified overtime on W-2", "Tracking qualified tips"],
  ["Our restaurant staff are asking how their tips will be reported for the new 'no tax on tips' deduction.",
   "Do we need to track qualified overtime separately for the new federal overtime deduction?",
   F("Will the W-2s for 2025 show qualified tips and overtime, or do we send a separate statement?", "2025-10", "2026-03")],
  ["Our tipped employees are on a mix of cash and card tips."],
  ["What do you recommend?"], window=("2025-07", "2026-10"))

S("Invoicing",
  ["Peppol for Belgium", "Belgian customers want Peppol invoices"],
  [F("Belgium requires B2B e-invoices over Peppol from 2026; are you a Peppol access point?", end="2025-12"),
   F("Our Belgian customers are rejecting PDF invoices and asking us to send through Peppol.", "2026-01")],
  ["We only have a handful of Belgian clients but they're important ones."],
  ["What do we need to set up?"], window=("2025-09", "2026-10"))

S("Invoicing",
  ["France e-invoicing September 2026", "Approved platform for French invoices"],
  ["Our French subsidiary has to be able to receive e-invoices through an approved platform from September; does Northwind integrate with any?",
   F("Since September our French clients keep asking which platform our invoices come through.", "2026-09")],
  ["Our French accountant mentioned the word 'PA' a lot."],
  ["What's your plan for this?"], window=("2026-02", "2026-10"))

S("Payroll",
  ["EU Pay Transparency Directive", "Gender pay gap report"],
  ["The EU Pay Transparency Directive has to be implemented by June; can payroll report the gender pay gap by job category?",
   "A job applicant asked for the pay range before interview, which I understand they're now entitled to; can we store ranges per role?"],
  ["We have about {n_emp} staff in Ireland and the Netherlands."],
  ["Is a report planned?", "Even a simple free-text field per job title would do."], window=("2026-01", "2026-10"))

S("Invoicing",
  ["Making Tax Digital for Income Tax", "Quarterly updates for sole traders"],
  ["I'm a sole trader and Making Tax Digital for Income Tax starts for me in April; can I send quarterly updates from Northwind?",
   F("My first MTD quarterly update is due soon and I can't find where to submit it.", "2026-06")],
  ["My income is over the 50,000 pound threshold."],
  ["Is this supported on the Starter plan?"], window=("2025-11", "2026-10"))


# Which follow-up sentences (and subject lines) fit which lead. A lead gets a
# tag or two; a detail, question or subject gets the tags of the leads it can
# follow. Untagged follow-ups fit every lead of their scenario; untagged leads
# take only untagged follow-ups.
TAGS = {
    # password reset
    "I clicked 'Forgot password' three times this morning and nothing has shown up in my inbox, not even in spam.": "a",
    "The password reset link you sent says it has expired, even though I opened it within a couple of minutes.": "b",
    "I'm trying to reset my password but the page just reloads after I enter my email address.": "c",
    "One of our staff can't get back into her account because the reset email never arrives.": "staff",
    "Our mail server is hosted in-house, so it may be filtering you, but other vendors get through fine.": "a staff",
    "The address on the account is the one I'm typing, I double-checked it against an old invoice.": "a c",
    "I've tried on {browser} and on my phone with the same result.": "b c",
    "Is there another way to verify who I am?": "a b c",
    "Please help, I'm completely locked out.": "a b c",
    # 2FA
    "I got a new phone over the weekend and didn't move my authenticator app across, so I can't log in anymore.": "n",
    "My phone was stolen and it had the two-factor codes for our admin account on it.": "s",
    "The six-digit codes from my authenticator keep getting rejected as invalid.": "r",
    "I don't think I ever saved the backup codes you showed at setup.": "n s",
    "The clock on the phone is set to automatic, so I don't think it's a time drift thing.": "r",
    # CSV export
    "When I export the customer list to CSV, everything after the address column is shifted one place to the right.": "sh",
    "The CSV export from the sales report downloads as an empty file with just the header row.": "em",
    "Opening the exported CSV in Excel shows strange symbols wherever a customer name has an accent.": "enc",
    "Exporting the transactions report for the full year times out after a minute or so.": "to",
    "I think it's because some addresses have commas in them.": "sh",
    "Exporting a single month works, it's only longer date ranges that fail.": "to em",
    "Could you send me the export directly if it's too big for the browser?": "to",
    # dashboard
    "The dashboard takes over thirty seconds to load every morning.": "slow",
    "Everything in the web app feels sluggish today, especially the overview charts.": "slow",
    "Since last week the reports page just shows the spinner and then a timeout message.": "to",
    "Once it finally loads, switching between tabs is fine.": "slow",
    # company details
    "We moved offices last month and the old address is still printed on our invoices.": "moved",
    "Our business changed its legal name and I need the new one on all invoices from now on.": "name",
    "I updated the company address in settings, but the PDF invoices still show the previous one.": "upd",
    "I also need to change the registration number shown in the footer.": "moved name",
    "I logged out and back in in case it was cached.": "upd",
    "Where do I change this?": "moved name",
    "Can you tell me if I'm missing a step?": "upd moved",
    # seats
    "We added {n} new users mid-month and got a separate charge I don't understand.": "add",
    "Two people left the company and I want to stop paying for their seats.": "rem",
    "Can you explain how adding a seat partway through the billing cycle is priced?": "q",
    "I deactivated their accounts but the seat count on the billing page didn't change.": "rem",
    "The invoice just says 'proration adjustment' with no breakdown.": "add",
    "Please point me to where I can reduce the seat count.": "rem",
    "A breakdown of the charge would help our finance person.": "add q",
    # cancel
    "We're closing the business at the end of the month and need to cancel our subscription.": "close",
    "Please cancel our plan; we've moved to a different tool for invoicing.": "close",
    "I signed up for the annual plan by mistake when I meant to choose monthly.": "mis",
    "The renewal went through yesterday and we had already decided not to continue.": "close",
    "We'll still need read access to old invoices for tax purposes.": "close",
    "I couldn't find a cancel button anywhere in the billing settings.": "close",
    "How do we download all our data first?": "close",
    # wrong bank account
    "One of our employees changed banks and her pay went to the old, closed account.": "old",
    "An employee says he hasn't received his wages, and the pay stub shows an account number he doesn't recognise.": "fraud",
    "I updated an employee's bank details yesterday but this week's run still used the old ones.": "upd",
    "The old account was closed about two weeks ago, so I expect the bank will bounce it.": "old upd",
    "She is understandably upset and needs the money for rent.": "old",
    "I'm worried someone changed the details without permission.": "fraud",
    "How long until a returned deposit shows up and can be reissued?": "old upd",
    "Can you tell me who changed the bank details and when?": "fraud",
    # tax forms
    "I can't find where to download the W-2s for last year.": "w2",
    "Our P60s haven't been generated yet and staff are asking for them.": "p60",
    "A contractor we paid last year doesn't appear on the 1099 list.": "c",
    "Employees can't see them in their self-service portal either.": "w2 p60",
    "When will these be available?": "w2 p60",
    # notifications
    "I've stopped getting notifications when someone mentions me in a channel.": "m",
    "My phone only shows new chat messages when I open the app.": "m",
    "Desktop notifications for direct messages stopped working after the last update.": "desk",
    "I'm using {a_phone} with {mobile_os}.": "m",
    # rate limit
    "Our nightly sync job started getting HTTP 429 responses from the invoices endpoint.": "p",
    "We're hitting the rate limit far sooner than the documentation suggests.": "p",
    "Nothing changed in our code recently.": "p",
    "Could you check the logs for our key?": "p",
    # webhook signatures
    "Webhook signature verification started failing for every event since this morning.": "f",
    "We rotated our webhook secret and now some events validate and others don't.": "rot",
    "It looks like events sent before the rotation are being retried with the old secret.": "rot",
    "Our framework may be re-serialising the JSON before we check it.": "f",
    "Is there a grace period where both secrets are valid?": "rot",
    # login loop
    "The mobile app keeps sending me back to the login screen after I enter my password.": "loop",
    "I get logged out of the app several times a day.": "out",
    "How do I get out of this loop?": "loop",
    # roles
    "I invited our external accountant, but she gets 'access denied' on the profit and loss report.": "acc",
    "Our office manager can see payroll amounts, which she shouldn't.": "om",
    "She has the Accountant role, which I thought included reports.": "acc",
    "I'd like to limit payroll to the two directors.": "om",
    # import
    "Importing our product list from a spreadsheet fails with 'invalid value on row {row}'.": "row",
    "Row {row} looks perfectly normal to me.": "row",
    # SSO
    "We're trying to set up single sign-on with {idp} and get an 'invalid audience' error.": "err",
    "Does the Business plan include SAML single sign-on?": "q",
    "I copied the entity ID and ACS URL from your settings page.": "err",
    "Could you check the metadata on your side?": "err",
    # PDF layout
    "Long invoices split across pages cut the last line item in half.": "cut",
    "The totals box on the PDF overlaps the payment terms text.": "ov",
    "Clients have started asking if the missing line was charged.": "cut",
    # trial / plans
    "Our free trial ends tomorrow and we haven't had time to test payroll properly.": "t",
    "Do you offer a discount for registered charities?": "c",
    "What's the difference between the Standard and Business plans for team chat?": "p",
    "We're comparing you with two other tools at the moment.": "t p",
    "Could you extend it by a week or two?": "t",
    "Is there a pricing page for that?": "c p",
    # currency
    "Invoices in euros are being converted with an exchange rate from several days ago.": "st",
    "Can I invoice a customer in Canadian dollars while our books stay in US dollars?": "q",
    "The difference adds up on larger invoices.": "st",
    "Our bank converts at a different rate, so every payment leaves a small difference to write off.": "st",
    "Where does the exchange rate come from?": "st",
    # partial payments
    "A customer paid half of invoice {inv} and the app marked the whole thing as paid.": "mp",
    "How do I record a partial payment against an invoice?": "q",
    "A client pays us in three instalments and I can't work out how to show that on one invoice.": "q",
    "The remaining balance disappeared from the overdue report.": "mp",
    "Can I undo this?": "mp",
    "What's the best practice here?": "q",
    # channels
    "Someone archived our #operations channel by accident.": "arch",
    "A team member left and their private channel disappeared with them.": "priv",
    "The person who did it is mortified.": "arch",
    # guests
    "Can we invite clients into a single chat channel without giving them access to everything?": "q",
    "Guest users we invited say the invitation link is invalid.": "inv",
    "We'd rather not pay a full seat for someone who only needs one channel.": "q",
    "The invitations were sent yesterday afternoon.": "inv",
    # receipts
    "The receipt scanner in the mobile app keeps reading the total as the tax amount.": "ocr",
    "Photos of receipts taken in the app upload blank.": "blank",
    "It seems to struggle with thermal paper receipts.": "ocr",
    # late fees
    "A late fee was added to an invoice that the customer paid on time.": "w",
    "Can the app add a late fee automatically after 30 days?": "q",
    "The payment was recorded two days before the due date.": "w",
    "The customer was not impressed.": "w",
    "Can you remove it and check why it happened?": "w",
    "Where are late fee rules set?": "q",
    # payslips
    "Employees didn't get their payslip emails after this week's run.": "em",
    "Some staff say the payslip PDF asks for a password they don't know.": "pw",
    "What is the password format?": "pw",
    "Can they be resent?": "em",
    # docs / SDK
    "The {sdk} SDK throws a validation error when I pass a due date.": "sdk",
    "Passing the same payload with curl works.": "sdk",
    # Slack import
    "We're moving our team off Slack and want to bring our message history with us.": "plan",
    "The Slack import finished but all messages show as sent by 'Unknown user'.": "done",
    "Our Slack plan ends at the end of the month.": "plan",
    "Is there a way to map users after the import?": "done",
    "Do private channels come across too?": "plan",
    # --- dated scenarios
    "We need an explicit opt-in checkbox for marketing emails on the client payment portal, because of GDPR.": "box",
    "After the GDPR update, our client portal still pre-ticks the 'keep me informed' box, which I'm told isn't allowed.": "tick",
    "A customer asked us to prove when they gave consent to receive our emails.": "proof",
    "The consent text should be editable, our lawyer wants specific wording.": "box tick",
    "We need to store the date and time consent was given.": "box proof",
    "Is there a way to export the consent records?": "proof box",
    "A former customer has made a right-to-erasure request under GDPR and wants all their data deleted.": "er",
    "An ex-employee sent us a subject access request and we need everything we hold on him, including chat messages.": "sar",
    "How do I delete a client's personal data while keeping the invoices we're legally required to retain?": "del",
    "We have one month to respond.": "er sar",
    "Deleting the contact seems to delete their invoices too, which we can't do.": "er del",
    "We got your email about disabling TLS 1.0 and 1.1 before the PCI deadline at the end of June.": "mail",
    "Our old point-of-sale terminal stopped syncing with your API, and the vendor says it's because you switched off TLS 1.0.": "pos",
    "Our integration running on an old Windows Server box fails the SSL handshake since the weekend.": "srv",
    "The POS vendor won't update the software for another few months.": "pos",
    "Our card terminal software is a few years old and I'm not sure what it supports.": "mail",
    "It's running .NET 4.0, which I gather doesn't use TLS 1.2 by default.": "srv",
    "Which cipher suites do you support now?": "srv mail",
    "Our IT provider asked whether Northwind's servers have been patched for Meltdown and Spectre.": "st",
    "Since the Meltdown patches went out, the desktop sync app is noticeably slower on our older PCs.": "slow",
    "We need something in writing for our insurer.": "st",
    "Could you send a short statement?": "st",
    "Is there anything we can do to speed it up?": "slow",
    "We're VAT registered and need to be Making Tax Digital compliant from April.": "prep",
    "Can we submit our VAT return to HMRC directly from Northwind, or do we need bridging software?": "prep",
    "The HMRC connection for VAT returns says our authorisation has expired.": "auth",
    "What do we need to do before our first quarter under MTD?": "prep",
    "How do I re-authorise the connection?": "auth",
    "With dark mode on in iOS 13, some labels in the app are black text on a black background.": "dark",
    "It's mostly the invoice detail screen.": "dark",
    "Our shop has been closed because of the coronavirus lockdown and we have almost no income.": "shut",
    "Due to COVID-19 we've had to close the office and everyone is working from home.": "home",
    "Is there any way to pause our subscription while we're shut down for COVID-19?": "shut",
    "We hope to reopen in a few weeks but nobody really knows.": "shut",
    "Staff will still need access to their payslips from home.": "home",
    "Does Northwind support the employee social security tax deferral from the presidential memo?": "opt",
    "We deferred the employer share of social security under the CARES Act and need to track the repayment.": "rep",
    "Employees who had social security deferred last year are now having extra withheld, and they're asking why.": "rep",
    "Some of our employees asked not to participate.": "opt",
    "How do I opt our company in or out?": "opt",
    "Is there a report showing how much was deferred for each employee?": "rep",
    "We've put {n} staff on furlough under the Job Retention Scheme and need to pay them 80 percent.": "pay",
    "How do I record flexible furlough, where people work part of the week and are furloughed for the rest?": "pay flex",
    "I need a report of furloughed hours and pay to submit our CJRS claim to HMRC.": "claim",
    "The furlough scheme ends this month and I need to bring everyone back to normal pay.": "end",
    "The cap is 2,500 pounds a month, which affects two of our managers.": "pay claim",
    "Employer contributions changed this month, so the claim amounts are different.": "claim",
    "Is there a furlough pay type, or should I create one?": "pay",
    "Can the claim report be exported in the format the HMRC portal wants?": "claim",
    "Please advise, the claim window closes soon.": "claim",
    "Do I need to do anything with the furlough pay type once everyone is back?": "end",
    "Our whole team is now working remotely and we need to get {n} more people onto team chat this week.": "add",
    "Now that we're fully remote, people want to be able to call each other from the chat app.": "call",
    "We've gone remote for the foreseeable future and I'm getting complaints that chat is slow on home Wi-Fi.": "slow",
    "Staff working from home can't access the payroll section, I think because of our IP allow-list.": "ip",
    "Half of them are on personal laptops.": "add ip",
    "Some are using the mobile app only.": "add call",
    "Any tips for rolling this out quickly?": "add call",
    "Is there a list of IP ranges or domains we need to allow?": "slow ip",
    "Is there a Zoom integration for team chat, so we can start a meeting from a channel?": "q",
    "The Zoom integration stopped creating meeting links when I type /zoom.": "bug",
    "Zoom links pasted in chat don't show the preview anymore.": "bug prev",
    "We reconnected the Zoom app on the integrations page already.": "bug",
    "When will it be fixed?": "bug",
    "Could you point me to the setup instructions?": "q",
    "The desktop app is slow to start on my new M1 Mac.": "slow",
    "Everything else on the machine is fast.": "slow",
    "Half our kitchen staff are isolating with Omicron and I need to adjust this week's payroll at the last minute.": "late",
    "With the Omicron wave, we're back to working from home and people can't reach the payroll section off the VPN.": "vpn",
    "How do I record COVID isolation absences so we can claim the SSP rebate again?": "ssp",
    "Timesheets for this week are a mess.": "late",
    "Can the submission deadline be pushed a day?": "late",
    "What's the quickest fix?": "vpn",
    "Is there a report I can use for the rebate claim?": "ssp",
    "With everyone talking about the Great Resignation, we've lost {n} people this quarter and final paychecks are getting messy.": "many",
    "Some of them gave two days' notice.": "many",
    "Is the desktop app supported on Windows 11?": "q",
    "After upgrading to Windows 11, the desktop app's notifications appear twice.": "bug",
    "We're buying new laptops and they come with it preinstalled.": "q",
    "Any known issues?": "q",
    "Is that a known bug?": "bug",
    "Our webhook receiver was on Heroku's free tier, which is shutting down in November; if it's down, will you keep retrying events?": "q",
    "We moved our webhook endpoint off Heroku and now we're missing events from the weekend.": "moved",
    "The new URL is already updated in settings.": "moved",
    "Apple and Google are pushing passkeys now; any plans to support them instead of passwords?": "plan",
    "Can we sign in with a passkey saved in iCloud Keychain?": "plan",
    "I enabled the passkey beta and now I'm not sure how to sign in on a Windows PC.": "win",
    "Is there a timeline?": "plan",
    "Where do I find instructions for Windows?": "win",
    "I set up a passkey on my laptop and now my phone won't let me sign in with it.": "dev",
    "The passkey prompt appears every time I log in even though I've dismissed it.": "prompt",
    "Our front desk uses a shared login, and passkeys don't fit; can we require them for admins only?": "admin",
    "After moving to a new Android phone, my passkey is gone and I'm locked out.": "lost",
    "My passwords are in 1Password, and it saved the passkey there.": "dev lost",
    "The old phone was wiped before I realised.": "lost",
    "How do I fall back to a password?": "dev lost prompt",
    "Is that possible on our plan?": "admin",
    "Our staff have started pasting customer messages into ChatGPT to draft replies, and I'm nervous about it.": "paste",
    "Some of what gets pasted includes invoice amounts and client names.": "paste",
    "We built a small GPT-4 script that reads invoices via your API, and it keeps hitting the rate limit.": "rl",
    "Nothing in our account is particularly large.": "rl",
    "Is your upcoming AI feature built on GPT-4 or GPT-3.5?": "q",
    "We have to tell our own clients which AI vendors touch their data.": "q",
    "Any guidance?": "rl v1",
    "I asked GPT-4 to write a script against your API and it used endpoints from v1 that no longer work.": "v1",
    "The new AI assistant told one of our staff that an invoice had been paid when it hadn't.": "wrong",
    "How do I switch off the AI assistant for our whole workspace?": "off",
    "Does the AI assistant send our chat messages to OpenAI, and are they used for training?": "priv",
    "The AI assistant's channel summary left out the most important message of the day.": "wrong",
    "Can the AI assistant answer questions about payroll, or only invoicing?": "pay",
    "The AI assistant button covers the Save button on smaller laptop screens.": "ui",
    "Our clients' data is confidential under our contracts.": "priv",
    "It sounded very confident, which is part of the problem.": "wrong",
    "Some of our staff find it handy, others want it gone.": "off",
    "Is there an admin setting for this?": "off",
    "Can you send me your AI data processing terms?": "priv",
    "How do we report wrong answers so they get looked at?": "wrong",
    "Is payroll support planned?": "pay",
    "Can it be moved or hidden?": "ui",
    "Our company rolled out Microsoft 365 Copilot and staff want it to pull numbers from Northwind reports.": "conn",
    "Is there a Copilot connector for Northwind so people can ask about invoices from Teams?": "conn",
    "GitHub Copilot keeps suggesting deprecated v1 endpoints when our developer writes code against your API.": "gh",
    "Copilot in Outlook summarised a Northwind invoice email and got the amount wrong, and now a client is disputing it.": "ol",
    "Our IT team has to approve any connector first.": "conn",
    "Is this on your roadmap?": "conn",
    "Could you publish an OpenAPI spec so these tools stop guessing?": "gh",
    "Can you help me explain to the client what went wrong?": "ol",
    "I used 'Draft with AI' for an invoice and it added a line item for a service we've never offered.": "made",
    "The AI-drafted invoice copied last month's hours instead of using this month's timesheet.": "made",
    "A client complained that our invoice descriptions now read like they were written by a chatbot.": "tone",
    "Can the AI invoice drafting use our product catalogue instead of inventing item names?": "made",
    "An invoice drafted by the assistant used the wrong tax rate and I only noticed after it was sent.": "sent",
    "Luckily I caught it before sending, but that's not reassuring.": "made",
    "I had to issue a credit note and apologise.": "sent",
    "Is there a way to require a human review before AI drafts can be sent?": "made sent",
    "Can the drafting style be toned down, or switched off for descriptions?": "tone",
    "Android 15 keeps killing the app in the background, so chat notifications arrive late.": "bg",
    "Battery optimisation is already turned off for the app.": "bg",
    "We turned on the new agent mode and it sent reminder emails to clients we'd agreed to give extra time.": "oops",
    "Can an AI agent approve payroll, or does a human always have to click Approve?": "ctl",
    "We're building an agentic workflow that reconciles payments overnight, and it keeps tripping the API rate limit.": "rl",
    "The agent created {n} draft invoices from a chat thread that was just people joking about pizza.": "oops",
    "Is there an audit trail showing which actions were taken by the AI agent versus a person?": "audit",
    "We need to be able to show our auditor exactly who did what.": "audit ctl",
    "We love the time it saves, but this can't happen again.": "oops",
    "Can we restrict the agent to drafting only?": "oops ctl",
    "Can agent traffic get a higher rate limit?": "rl",
    "Do you have an official MCP server so we can connect Northwind to Claude Desktop?": "q",
    "The community MCP server for Northwind stopped working after your OAuth changes.": "auth",
    "Our MCP server exposes your invoice tools to our AI agent, but it gets a 401 after about an hour.": "auth",
    "Can an API key used by an MCP server be limited to read-only scopes?": "scope",
    "Our developer set up the Northwind MCP server in Cursor and it listed payroll tools we didn't expect it to see.": "scope",
    "We don't want an AI agent to be able to delete anything.": "scope q",
    "The token refresh seems to be the problem.": "auth",
    "I vibe-coded a little dashboard on top of your API with an AI tool, and it accidentally created {n} test customers in our live account.": "test",
    "An AI coding assistant generated an integration for us and it puts the admin API key in the browser; is that a problem?": "key",
    "The tool I used was very confident it was fine.": "key",
    "Can you help me clean this up?": "test",
    "Should I rotate the key?": "key",
    "The EU Pay Transparency Directive has to be implemented by June; can payroll report the gender pay gap by job category?": "gap",
    "A job applicant asked for the pay range before interview, which I understand they're now entitled to; can we store ranges per role?": "range",
    "Is a report planned?": "gap",
    "Even a simple free-text field per job title would do.": "range",
    # leads that were untagged so far (untagged follow-ups still fit them)
    "All the timestamps in the app are an hour off since the clocks changed.": "dst",
    "Invoices created late in the evening are dated the following day.": "inv",
    "Messages in chat show a time several hours ahead of what my laptop says.": "chat",
    "The contact import stops partway with an error that just says 'unexpected format'.": "fmt",
    "I tried to import our old invoices from a spreadsheet and only half of them came in.": "half",
    # subject lines: a tagged subject is only used for leads sharing a tag
    "Import error on row {row}": "row", "Only half my invoices imported": "half",
    "Reset link says expired": "b", "Lost phone, can't get 2FA code": "n s", "New phone, authenticator codes gone": "n",
    "Excel shows garbage characters in export": "enc", "Exported file is empty": "em",
    "CSV export columns shifted": "sh", "Reports page timing out": "to", "Update business name": "name",
    "Change company address on invoices": "moved upd", "Old address still on PDF": "moved upd",
    "Remove users from plan": "rem", "Prorated charge explanation": "add q",
    "Updated bank details not used": "upd", "Employee paid to wrong bank account": "old fraud",
    "W-2 download": "w2", "P60s not generated": "p60", "1099 missing a contractor": "c",
    "Desktop notifications stopped": "desk", "Mentions don't notify me": "m",
    "Rate limit lower than documented?": "p", "Webhook secret rotation": "rot",
    "Logged out of app constantly": "out", "Login loop in mobile app": "loop",
    "Timezone issue on invoice dates": "inv", "Wrong times on chat messages": "chat dst",
    "Timestamps an hour off": "dst chat", "Restrict payroll access": "om", "Accountant can't see reports": "acc",
    "Guest invitation link invalid": "inv", "SSO 'invalid audience' error": "err",
    "Totals overlap terms on PDF": "ov", "Line items cut off on PDF": "cut",
    "Nonprofit discount?": "c", "Trial extension": "t", "Stale exchange rate": "st",
    "Invoice marked paid after partial payment": "mp", "Private channel disappeared": "priv",
    "Archived a channel by mistake": "arch", "Restore deleted channel": "arch priv",
    "Receipt scanner reads wrong amount": "ocr", "Expense photo not uploading": "blank",
    "Late fee added incorrectly": "w", "Automatic late fees": "q",
    "Employees can't open payslips": "pw", "Payslip password": "pw", "Payslips not emailed": "em",
    "SDK throws error on create invoice": "sdk", "Slack import shows Unknown user": "done",
    "Subject access request from an ex-employee": "sar", "Right to erasure request": "er",
    "Delete a customer's personal data": "del er",
    "Old POS can't connect after TLS change": "pos", "API connection errors since Saturday": "srv",
    "Repaying deferred social security": "rep", "Deferring employee social security": "opt",
    "Job Retention Scheme claim report": "claim", "Flexible furlough hours": "flex",
    "Zoom links not unfurling": "prev", "Start Zoom meeting from chat": "q bug",
    "AI assistant button covers Save": "ui", "Turn off AI assistant": "off", "AI assistant data privacy": "priv",
    "AI assistant summary missing messages": "wrong", "AI assistant gave wrong answer": "wrong",
    "Audit trail for AI agent actions": "audit", "Agent mode sent invoices without approval": "oops",
    "AI agent and approvals": "ctl oops audit",
    "MCP server auth error": "auth", "MCP server read-only scopes": "scope", "MCP connector permissions": "scope",
    "Official MCP server?": "q", "Test data in live account": "test", "API key exposed in browser?": "key",
    "GitHub Copilot and your API": "gh", "Copilot can't see Northwind data": "conn",
    "Microsoft Copilot integration": "conn ol",
    "Passkey not working on new phone": "dev lost", "Passkey prompt keeps appearing": "prompt",
    "Passkeys for admins only": "admin", "Gender pay gap report": "gap",
    "Windows 11 support": "q", "Duplicate notifications on Windows 11": "bug",
}


def _apply_tags():
    for text, tags in TAGS.items():
        hits = [f for sc in SCENARIOS for f in sc.subjects + sc.leads + sc.details + sc.asks if f.text == text]
        assert len(hits) == 1, (text, len(hits))
        hits[0].g = set(tags.split())


_apply_tags()


# ---------------------------------------------------------------------------
# Shared pools (openers, context, closers), many time-gated
# ---------------------------------------------------------------------------
EMAIL_GREETINGS = ["Hi,", "Hello,", "Hi there,", "Hello Northwind team,", "Good morning,", "Hi support,",
                   "Dear support team,", "Hey,", "Good afternoon,"]
CHAT_GREETINGS = ["hi", "hey", "hello", "hi there", "morning"]

CONTEXT = frags([
    "We're a {n_emp}-person {biz} and have used Northwind since {since}.",
    "I look after the books for a small {biz}.",
    "I'm the office manager at {a_biz} in {city}.",
    "We switched to you from spreadsheets a couple of years ago.",
    "I handle payroll for our {n_emp} staff.",
    "Long-time customer here.",
    "I'm new to the admin role, so bear with me.",
    "Our developer is on holiday, so I'm writing on his behalf.",
    "First time contacting support.",
    "Following up on my chat from yesterday.",
    "We run {a_biz} with two locations.",
    "I'm the owner of {a_biz}, so I do a bit of everything.",
    F("Like everyone, we're all working from home at the moment.", "2020-03", "2021-05"),
    F("I'm writing from home as the office is still closed.", "2020-04", "2021-02"),
    F("We're a hybrid team now, so half of us are in the office on any given day.", "2021-09"),
    F("I asked ChatGPT first but its answer didn't match your menus.", "2023-01"),
    F("Your AI assistant couldn't answer this, so I'm writing in.", "2023-08"),
    F("The in-app assistant suggested contacting a human, so here I am.", "2024-02"),
    "We've been with Northwind since {since} and it's mostly been smooth, which is why this one is so frustrating.",
    "I'm not very technical, so apologies if I'm describing this badly, but I'll do my best.",
    "Our usual bookkeeper is on leave this month, so I'm covering her tasks and may be missing something obvious.",
    "Quick one from our accounts team.", "We only moved onto the Business plan recently.",
    "Writing on behalf of our director, who is travelling.",
    "I checked the help centre first but couldn't find anything that matched.",
])

CLOSERS = frags([
    "Thanks in advance.", "Thank you!", "Any help appreciated.", "Thanks for looking into it.",
    "I can send screenshots if that helps.", "Please reply by email, I'm rarely at my desk.",
    "This is holding up month-end for us.", "Cheers.", "Appreciate a quick reply.",
    "Let me know if you need anything else from me.", "Happy to jump on a call.",
    "Our account email is the one I'm writing from.",
    "This has now happened twice in three months, and my manager is starting to ask whether we should look at other tools.",
    "If it's easier to look at this together, I'm free most afternoons this week and can share my screen.",
    "I'd appreciate an update even if there's no fix yet, just so I can tell the team what's going on.",
    "Sorry for the long message.", "Thanks, you've always been quick to help in the past.",
    "No rush on this one.", "I'll keep an eye on my inbox.",
    "Please don't close the ticket until I've confirmed it's working.",
    "Ticket number from last time was lost, sorry.",
    "If you need admin access to check, you have my permission.",
    "Our fiscal year ends soon, so the timing isn't great.",
    F("Stay safe.", "2020-03", "2021-06"),
    F("Hope you're all keeping well in these strange times.", "2020-04", "2020-12"),
])

PHONE_OPENERS = frags([
    "Customer phoned in about this.", "Call logged by the support desk.",
    "From a phone call this morning, in the caller's words:", "Voicemail transcription follows.",
    "Caller asked us to log the following.", "Notes from an inbound call.",
    "Inbound call, summarised by the agent as close to the caller's words as possible:",
    "Caller was in a hurry; their description:", "Logged from the phone queue.",
])
PHONE_CLOSERS = frags([
    "Caller would like a call back before 5pm.", "Agent note: asked for screenshots by email.",
    "Agent note: escalated to the tier 2 queue.", "Best number is the one on the account.",
    "Agent note: could not reproduce while on the call.",
])

NAMES = ["Maria", "Dev", "Tom", "Aisha", "Ken", "Priya", "Lucas", "Hannah", "Omar", "Grace", "Sam", "Ines",
         "Kofi", "Wei", "Joanna", "Raj", "Beth", "Marek", "Nadia", "Carlos", "Emily", "Jonas", "Fatima",
         "Liam", "Chloe", "Tariq", "Ruth", "Mateo", "Yuki", "Sofia", "Brendan", "Olu"]
ROLES = ["office manager", "owner", "bookkeeper", "IT admin", "finance lead", "operations", "practice manager"]
BIZ = ["bakery", "landscaping company", "dental practice", "architecture studio", "plumbing business",
       "marketing agency", "veterinary clinic", "bike shop", "cleaning company", "yoga studio", "law office",
       "coffee roaster", "print shop", "HVAC contractor", "physiotherapy clinic", "small brewery",
       "accounting firm", "IT consultancy", "catering company", "photography studio", "florist",
       "recruitment agency", "car repair shop", "language school"]
CITIES = ["Leeds", "Austin", "Dublin", "Portland", "Manchester", "Denver", "Cork", "Bristol", "Phoenix",
          "Columbus", "Glasgow", "Sacramento", "Rotterdam", "Brisbane", "Halifax", "Nashville"]
FOREIGN_CITIES = ["Jakarta", "Lagos", "Hanoi", "Bucharest", "Lima", "Almaty", "Manila", "Karachi"]
BANKS = ["Chase", "Barclays", "Wells Fargo", "a small regional credit union", "Lloyds", "Bank of America",
         "ING", "NatWest", "TD Bank", "US Bank"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
N_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "ten", "12", "15", "20"]


# ---------------------------------------------------------------------------
# Era helpers: values that depend on the date
# ---------------------------------------------------------------------------
def at(d, table):
    """table: list of ("YYYY-MM", value) sorted by start; value current at d."""
    ym = d.strftime("%Y-%m")
    cur = table[0][1]
    for start, val in table:
        if start <= ym:
            cur = val
    return cur


def interp(d, anchors):
    """Linear interpolation of a version number between (date, value) anchors."""
    for (d0, v0), (d1, v1) in zip(anchors, anchors[1:], strict=False):
        if d0 <= d <= d1:
            return int(round(v0 + (v1 - v0) * (d - d0).days / (d1 - d0).days))
    return anchors[-1][1]


def D(s):
    return dt.date.fromisoformat(s)


CHROME = [(D("2018-01-01"), 63), (D("2019-01-01"), 71), (D("2020-01-01"), 79), (D("2021-01-01"), 87),
          (D("2022-01-01"), 97), (D("2023-01-01"), 108), (D("2024-01-01"), 120), (D("2025-01-01"), 131),
          (D("2026-01-01"), 143), (D("2026-12-31"), 155)]
FIREFOX = [(D("2018-01-01"), 57), (D("2019-01-01"), 64), (D("2020-01-01"), 72), (D("2021-01-01"), 84),
           (D("2022-01-01"), 96), (D("2023-01-01"), 108), (D("2024-01-01"), 121), (D("2025-01-01"), 134),
           (D("2026-01-01"), 146), (D("2026-12-31"), 158)]
SAFARI = [("2018-01", 11), ("2018-09", 12), ("2019-09", 13), ("2020-09", 14), ("2021-09", 15),
          ("2022-09", 16), ("2023-09", 17), ("2024-09", 18), ("2025-09", 26)]
IOS = SAFARI
ANDROID = [("2018-01", 8), ("2018-08", 9), ("2019-09", 10), ("2020-09", 11), ("2021-10", 12),
           ("2022-08", 13), ("2023-10", 14), ("2024-10", 15), ("2025-06", 16)]
IPHONES = [("2018-01", ["iPhone 8", "iPhone X", "iPhone 7", "iPhone 6s"]),
           ("2018-10", ["iPhone XR", "iPhone XS", "iPhone 8", "iPhone 7"]),
           ("2019-10", ["iPhone 11", "iPhone XR", "iPhone 8"]),
           ("2020-05", ["iPhone 11", "iPhone SE", "iPhone XR"]),
           ("2020-11", ["iPhone 12", "iPhone 11", "iPhone SE"]),
           ("2021-10", ["iPhone 13", "iPhone 12 mini", "iPhone 11"]),
           ("2022-10", ["iPhone 14", "iPhone 13", "iPhone 12"]),
           ("2023-10", ["iPhone 15", "iPhone 15 Pro", "iPhone 13"]),
           ("2024-10", ["iPhone 16", "iPhone 16 Pro", "iPhone 14", "iPhone 15"]),
           ("2025-10", ["iPhone 17", "iPhone 17 Pro", "iPhone Air", "iPhone 16e", "iPhone 15"])]
ANDROID_PHONES = [("2018-01", ["Galaxy S8", "Pixel 2", "Moto G5"]),
                  ("2018-04", ["Galaxy S9", "Pixel 2", "Galaxy S8"]),
                  ("2019-04", ["Galaxy S10", "Pixel 3", "Galaxy A50"]),
                  ("2020-04", ["Galaxy S20", "Pixel 4a", "Galaxy A51"]),
                  ("2021-03", ["Galaxy S21", "Pixel 5", "Galaxy A52"]),
                  ("2022-03", ["Galaxy S22", "Pixel 6", "Galaxy A53"]),
                  ("2023-03", ["Galaxy S23", "Pixel 7", "Galaxy A54"]),
                  ("2024-03", ["Galaxy S24", "Pixel 8", "Galaxy A55"]),
                  ("2025-03", ["Galaxy S25", "Pixel 9", "Galaxy A56"]),
                  ("2025-10", ["Galaxy S25", "Pixel 10", "Galaxy A56"])]
WINDOWS = [("2018-01", ["Windows 10", "Windows 7"]), ("2020-02", ["Windows 10"]),
           ("2021-11", ["Windows 10", "Windows 11"]), ("2025-11", ["Windows 11"])]
MACOS = [("2018-01", "macOS High Sierra"), ("2018-10", "macOS Mojave"), ("2019-10", "macOS Catalina"),
         ("2020-11", "macOS Big Sur"), ("2021-10", "macOS Monterey"), ("2022-10", "macOS Ventura"),
         ("2023-10", "macOS Sonoma"), ("2024-10", "macOS Sequoia"), ("2025-10", "macOS Tahoe")]
SDKS = [("2018-01", ["Python", "Node.js", "PHP", "Ruby", ".NET", "Java"]),
        ("2020-03", ["Python", "Node.js", "PHP", "Ruby", ".NET", "Java", "Go"]),
        ("2021-06", ["Python", "Node.js", "TypeScript", "PHP", ".NET", "Go"])]
IDPS = [("2018-01", ["Okta", "OneLogin", "Azure AD", "G Suite"]),
        ("2020-11", ["Okta", "OneLogin", "Azure AD", "Google Workspace"]),
        ("2023-08", ["Okta", "Microsoft Entra ID", "Google Workspace", "JumpCloud"])]


def make_ctx(d, r):
    plat = r.choice(["iPhone", "Android"])
    iphone = r.choice(at(d, IPHONES))
    aphone = r.choice(at(d, ANDROID_PHONES))
    ios = at(d, IOS)
    andv = at(d, ANDROID) - r.choice([0, 0, 1])
    if plat == "iPhone":
        phone, mobile_os = iphone, f"iOS {ios}.{r.randint(0, 3)}"
    else:
        phone, mobile_os = aphone, f"Android {andv}"
    browser = r.choice([
        f"Chrome {interp(d, CHROME)}", f"Chrome {interp(d, CHROME)}",
        f"Firefox {interp(d, FIREFOX)}", f"Safari {at(d, SAFARI)}",
        f"Edge {interp(d, CHROME)}" if d >= D("2020-02-01") else "Edge"])
    os_desktop = r.choice(at(d, WINDOWS) + [at(d, MACOS)])
    a_phone = ("an " if phone[0] in "AEIOUi" else "a ") + phone
    biz = r.choice(BIZ)
    a_biz = ("an " if biz[0] in "aeiou" or biz.startswith(("HVAC", "IT ")) else "a ") + biz
    return {
        "a_phone": a_phone, "plat": plat, "iphone": iphone, "android_phone": aphone, "phone": phone,
        "mobile_os": mobile_os,
        "browser": browser, "os_desktop": os_desktop,
        "n_emp": r.randint(3, 85), "n": r.choice(N_WORDS),
        "n_cust": f"{r.randint(180, 12000):,}", "n_req": f"{r.randint(800, 5000):,}",
        "amount": f"${r.choice([29, 49, 79, 99, 129, 149, 249, 348, 599])}.00",
        "inv": f"INV-{d.year}-{r.randint(1, 2400):04d}",
        "pct": r.choice(["5", "7.25", "8.875", "10", "19", "20", "21", "6.5"]),
        "city": r.choice(CITIES), "foreign_city": r.choice(FOREIGN_CITIES), "biz": biz, "a_biz": a_biz,
        "bank": r.choice(BANKS), "weekday": r.choice(WEEKDAYS), "month": d.strftime("%B"),
        "mb": r.randint(150, 900), "row": r.randint(2, 2400),
        "n_hours": r.choice(["3.08", "4.62", "6.67", "1.54", "5"]),
        "since": r.randint(2014, d.year - 1), "year": d.year,
        "sdk": r.choice(at(d, SDKS)), "idp": r.choice(at(d, IDPS)),
        "name": r.choice(NAMES), "role": r.choice(ROLES),
    }


# ---------------------------------------------------------------------------
# Ticket assembly
# ---------------------------------------------------------------------------
def pick(pool, d, r, need=True):
    """Choose an active fragment, strongly preferring ones used least so far."""
    cands = [f for f in pool if f.ok(d)]
    if not cands:
        if need:
            raise ValueError("no active fragment")
        return None
    weights = [1.0 / (1 + 4 * f.uses) ** 2 for f in cands]
    f = r.choices(cands, weights)[0]
    f.uses += 1
    return f


def fill(text, ctx):
    out = text.format(**ctx)
    assert "{" not in out and "}" not in out, out
    return out


PROPER = {"I", "I'm", "I've", "I'd", "I'll", "Microsoft", "Apple", "Zoom", "Google", "Chrome", "Windows",
          "Bulgaria", "Belgium", "Python", "Omicron", "Brexit", "Flash", "Facebook", "Twitter", "Heroku",
          "Universal", "Copilot", "GitHub", "Germany", "German", "Siri", "Internet", "Making", "Mastodon",
          "Bluesky", "Threads", "Android", "Northwind", "Northwind's", "GDPR", "CSV", "API", "PDFs",
          "Vision", "DeepSeek", "ChatGPT", "MCP", "Face", "iOS", "PPP", "HMRC", "SVB", "macOS", "pip"}


def lower_first(s):
    w = s.split(" ", 1)[0]
    if w in PROPER or not w[:1].isupper() or not w[1:].islower():
        return s
    return s[0].lower() + s[1:]


def n_sentences(text):
    return len([p for p in re.split(r"(?<=[.!?:])\s+", text.strip()) if p])


def prio_for(sc, r):
    levels = ["low", "normal", "high", "urgent"]
    i = levels.index(sc.prio)
    x = r.random()
    if x < 0.7:
        return levels[i]
    if x < 0.85:
        return levels[max(0, i - 1)]
    return levels[min(3, i + 1)]


def channel_for(d, r):
    t = (d - FIRST_DAY).days / (LAST_DAY - FIRST_DAY).days
    w_email, w_chat, w_phone = 0.55 - 0.17 * t, 0.25 + 0.22 * t, 0.20 - 0.05 * t
    return r.choices(["email", "chat", "phone"], [w_email, w_chat, w_phone])[0]


STOP = set(["this", "that", "with", "from", "have", "your", "there", "what", "when", "does", "they", "their", "about", "into", "after", "since", "been", "just", "than", "them", "some", "were", "will", "would", "could", "like", "only", "every", "keep", "keeps", "northwind"])


def stems(text):
    return {w[:5] for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in STOP}


def subject_for(sc, lead, d, ctx, prio, channel, r):
    """Pick a subject line that fits the lead sentence (most shared word stems)."""
    cands = [f for f in sc.subjects if f.ok(d) and fits(f, ctx["_lead_f"])] or \
        [f for f in sc.subjects if f.ok(d) and f.g is None] or [f for f in sc.subjects if f.ok(d)]
    lead_stems = stems(lead)
    scores = [len(stems(fill(f.text, ctx)) & lead_stems) for f in cands]
    best = [f for f, sc_ in zip(cands, scores, strict=True) if sc_ == max(scores)]
    f = pick(best, d, r)
    s = fill(f.text, ctx)
    x = r.random()
    if prio == "urgent" and x < 0.45:
        s = "URGENT: " + s
    elif x < 0.06:
        s = "Re: " + s
    elif channel == "chat" and x < 0.25:
        s = s.lower()
    elif channel == "phone" and x < 0.2:
        s = "Call: " + s
    return s


def body_for(sc, d, channel, ctx, r):
    target = {"chat": r.choice([1, 2, 2, 3, 3]), "email": r.choice([2, 3, 3, 4, 4, 5, 5, 6, 6]),
              "phone": r.choice([2, 3, 3, 4, 5])}[channel]
    lead_f = pick(sc.leads, d, r)
    lead = fill(lead_f.text, ctx)
    ctx["_lead"], ctx["_lead_f"] = lead, lead_f
    details_pool = [f for f in sc.details if f.ok(d) and fits(f, lead_f)]
    asks_pool = [f for f in sc.asks if f.ok(d) and fits(f, lead_f)]

    # Optional pieces, in reading order, each tagged with a drop priority
    # (higher = dropped first when over the sentence budget).
    pieces = []
    if channel == "phone":
        pieces.append((0, fill(pick(PHONE_OPENERS, d, r).text, ctx)))
    if r.random() < (0.45 if channel == "email" else 0.12):
        pieces.append((3, fill(pick(CONTEXT, d, r).text, ctx)))
    pieces.append((0, lead))
    n_det = min(len(details_pool), r.choice([0, 1, 1, 2, 2, 3]))
    chosen = []
    for _ in range(n_det):
        f = pick([x for x in details_pool if x not in chosen], d, r)
        chosen.append(f)
        pieces.append((2, fill(f.text, ctx)))
    if asks_pool and r.random() < 0.75:
        pieces.append((1, fill(pick(asks_pool, d, r).text, ctx)))
    if channel == "phone" and r.random() < 0.5:
        pieces.append((1, fill(pick(PHONE_CLOSERS, d, r).text, ctx)))
    elif channel != "phone" and r.random() < (0.4 if channel == "email" else 0.15):
        pieces.append((4, fill(pick(CLOSERS, d, r).text, ctx)))

    if channel == "email" and target >= 4 and r.random() < 0.18:
        others = [x for x in SCENARIOS if not x.specific and x is not sc and x.ok(d)]
        other = r.choice(others)
        second = fill(pick(other.leads, d, r).text, ctx)
        pieces.append((0, r.choice(["Also, unrelated: ", "One more thing: ", "Separately, ", "While I have you: "])
                       + lower_first(second)))

    signature = None
    if channel == "email" and r.random() < 0.45:
        signature = r.choice(["- {name}", "Thanks, {name}", "{name}, {role}", "Regards, {name}"]).format(**ctx)
        target -= 1

    def text_of(ps):
        return " ".join(p for _, p in ps)

    while len(pieces) > 1 and (n_sentences(text_of(pieces)) > max(target, 1)
                               or len(text_of(pieces).split()) > 110):
        worst = max(range(len(pieces)), key=lambda i: (pieces[i][0], i))
        if pieces[worst][0] == 0:
            break
        del pieces[worst]
    # Too short? add the remaining details (before the question) or a closer.
    extra = [f for f in details_pool if fill(f.text, ctx) not in text_of(pieces)]
    while len(text_of(pieces).split()) < 15 and extra:
        at_ = next((i for i, (k, _) in enumerate(pieces) if k in (1, 4)), len(pieces))
        pieces.insert(at_, (2, fill(extra.pop(0).text, ctx)))
    body = text_of(pieces)
    while len(body.split()) < 15:
        closer = fill(pick(CLOSERS, d, r).text, ctx)
        if closer not in body:
            body += " " + closer

    if channel == "email" and r.random() < 0.5:
        body = r.choice(EMAIL_GREETINGS) + "\n\n" + body
    elif channel == "chat":
        if r.random() < 0.35:
            body = r.choice(CHAT_GREETINGS) + ", " + lower_first(body)
        if r.random() < 0.12:
            body = body.lower()
        if r.random() < 0.3 and body.endswith("."):
            body = body[:-1]
    if signature:
        body += "\n\n" + signature
    return body


def ticket_dates(r):
    span = (LAST_DAY - FIRST_DAY).days
    step = span / N_GENERATED
    out = []
    for i in range(N_GENERATED):
        off = int(i * step + r.uniform(0, step))
        out.append(FIRST_DAY + dt.timedelta(days=min(off, span)))
    return sorted(out)


def choose_scenario(d, r):
    active = [s for s in SCENARIOS if s.ok(d)]
    spec = [s for s in active if s.specific]
    gen = [s for s in active if not s.specific]
    pool = spec if (spec and r.random() < 0.3) else gen
    def urgency(s):
        # A dated scenario with only a few months left gets a boost, so short
        # windows (Omicron, the SVB weekend, CrowdStrike) are not missed.
        if not s.specific:
            return 1.0
        end = dt.date(int(s.window[1][:4]), int(s.window[1][5:]), 28)
        months_left = max(1, (end - d).days / 30.4)
        return max(1.0, 6.0 / months_left)
    weights = [s.weight * urgency(s) / (1 + s.uses) ** 1.5 for s in pool]
    sc = r.choices(pool, weights)[0]
    sc.uses += 1
    return sc


# Hand-written messy rows (non-ASCII on purpose).
NON_ASCII = [
    ("2019-05", "Invoicing", "email", "normal", "Accents broken on PDF invoices",
     "Hello, our company is registered as \"Caf\u00e9 Ol\u00e9 Bakery\" and on every downloaded PDF invoice the "
     "name prints as \"Caf\u00c3\u00a9 Ol\u00c3\u00a9\". The preview in the browser looks correct, it's only the PDF. "
     "Could you have a look before our customers start asking? Merci, Am\u00e9lie"),
    ("2022-04", "Payroll", "email", "high", "Umlauts in employee name rejected by bank",
     "Hi, the employee name J\u00fcrgen Wei\u00df shows up as \"J?rgen Wei?\" on his payslip and in the payment "
     "file, and our bank rejected the transfer of \u20ac2.340,00 because the name didn't match. Please fix this "
     "before the next pay run. Thanks, Katrin M\u00fcller"),
    ("2025-06", "Team Chat", "chat", "low", "emoji reactions show as boxes",
     "the AI assistant sorted out our invoice export in two minutes, you guys are great \U0001F64C only thing: "
     "emoji reactions in threads show up as empty boxes on my Android 15 phone, on desktop they look fine"),
]


def generate_tickets():
    r = rng
    dates = ticket_dates(r)
    # Every dated scenario first reserves a few tickets inside its window
    # (shortest windows first, more for the topics that matter most), so that
    # short-lived topics such as Omicron or the SVB collapse always show up.
    plan = {}
    dated = sorted((x for x in SCENARIOS if x.specific),
                   key=lambda x: (int(x.window[1][:4]) - int(x.window[0][:4])) * 12
                   + int(x.window[1][5:]) - int(x.window[0][5:]))
    for sc in dated:
        quota = max(1, int(sc.weight + 0.5))
        free = [i for i, d in enumerate(dates) if i not in plan and sc.ok(d)]
        for i in r.sample(free, min(quota, len(free))):
            plan[i] = sc
            sc.uses += 1
    rows = []
    for i, d in enumerate(dates):
        sc = plan.get(i) or choose_scenario(d, r)
        ctx = make_ctx(d, r)
        channel = channel_for(d, r)
        prio = prio_for(sc, r)
        for _ in range(20):  # re-draw in the rare case of an exact body collision
            body = body_for(sc, d, channel, ctx, r)
            if body not in {x["body"] for x in rows}:
                break
        else:
            raise RuntimeError("could not make a unique body")
        rows.append({"_generic": not sc.specific, "created": d.isoformat(), "channel": channel, "product": sc.product,
                     "subject": subject_for(sc, ctx["_lead"], d, ctx, prio, channel, r), "body": body,
                     "priority": prio})

    # Messy rows ------------------------------------------------------------
    # 1) three non-ASCII bodies replace one ticket each in the given month
    for ym, product, channel, prio, subject, body in NON_ASCII:
        idx = [i for i, x in enumerate(rows) if x["created"].startswith(ym) and x["_generic"]][0]
        rows[idx].update(product=product, channel=channel, priority=prio, subject=subject, body=body)
    # 2) two empty bodies (a chat opened and abandoned, an email with only an attachment)
    for ym in ("2019-11", "2024-03"):
        idx = [i for i, x in enumerate(rows) if x["created"] >= ym and x["_generic"]
               and x["channel"] != "phone"][0]
        rows[idx]["body"] = ""
    # 3) one exact duplicate (double-submitted form): same fields, next id
    idx = [i for i, x in enumerate(rows) if x["created"].startswith("2021-03")][0]
    rows.insert(idx + 1, dict(rows[idx]))

    out = []
    for i, x in enumerate(rows, 1):
        x.pop("_generic")
        out.append({"id": f"T-{i:05d}", **x})
    return out


# ---------------------------------------------------------------------------
# Release notes
# ---------------------------------------------------------------------------
FEATURES = [
    ("2018-01-10", "Legacy charts in Reports now show an HTML5 fallback in browsers that block Flash."),
    ("2018-02-14", "Payroll uses the updated 2018 federal income tax withholding tables."),
    ("2018-03-20", "Added a Data Processing Agreement download and a list of sub-processors under Settings > Privacy, ahead of GDPR."),
    ("2018-04-17", "Removed \"Log in with Facebook\". Affected users can set a password from the sign-in page."),
    ("2018-05-15", "GDPR: the client portal now shows an unticked marketing consent checkbox with editable wording, and consent timestamps are stored on each contact."),
    ("2018-05-22", "New \"Erase personal data\" action anonymises a contact while keeping invoices you are required to retain."),
    ("2018-06-26", "TLS 1.0 and 1.1 are no longer accepted by the web app or the API. Clients must use TLS 1.2 or later."),
    ("2018-08-14", "Team Chat: threaded replies."),
    ("2018-10-02", "iOS app: Siri Shortcuts for logging an expense and opening today's invoices."),
    ("2018-11-20", "Recurring invoice profiles can now be paused and resumed."),
    ("2019-01-15", "Python SDK 3.0 requires Python 3.5 or later. The 2.x line receives security fixes until 1 January 2020, when Python 2 reaches end of life."),
    ("2019-03-12", "Making Tax Digital: VAT returns can be submitted directly to HMRC."),
    ("2019-03-26", "Brexit readiness: reverse-charge wording and updated EU VAT number validation."),
    ("2019-06-18", "Team Chat: import channels and message history from Slack."),
    ("2019-09-24", "iOS app supports dark mode on iOS 13 and Sign in with Apple."),
    ("2019-10-15", "Desktop receipt uploader rebuilt as a 64-bit app for macOS Catalina."),
    ("2019-11-26", "Payroll supports the redesigned 2020 Form W-4."),
    ("2019-12-10", "CCPA: new privacy request workflow for California consumers."),
    ("2020-01-14", "Desktop sync client: this is the final release supporting Windows 7. Future versions require Windows 8.1 or later."),
    ("2020-02-04", "Cookies used by the embedded payment form now set SameSite=None; Secure, fixing logouts in Chrome 80."),
    ("2020-03-24", "Remote work bundle: Team Chat voice calls are free on all plans until the end of June."),
    ("2020-04-07", "Zoom integration: start a meeting from any channel with /zoom."),
    ("2020-04-14", "Payroll: furlough pay type and a Coronavirus Job Retention Scheme claim report for UK employers."),
    ("2020-04-21", "New PPP loan report with payroll costs for any covered period and full-time equivalent calculations."),
    ("2020-05-05", "Zoom meetings created from chat now require a passcode by default."),
    ("2020-06-16", "Dark mode for the web app."),
    ("2020-07-07", "Flexible furlough: record worked and furloughed hours in the same pay period."),
    ("2020-09-08", "Payroll: optional deferral of employee Social Security tax under the August 2020 presidential memorandum."),
    ("2020-10-20", "Single sign-on settings now list Google Workspace (formerly G Suite)."),
    ("2020-11-24", "Native Apple Silicon build of the desktop app."),
    ("2020-12-08", "Legacy Flash-based charts have been removed; all reports use the new chart engine."),
    ("2020-12-15", "Brexit: Northern Ireland XI VAT numbers and updated invoice wording for EU customers from 1 January."),
    ("2021-01-19", "Reports for second-draw PPP loans and the Employee Retention Credit."),
    ("2021-02-09", "New leave type template: COVID-19 vaccination leave, which does not reduce sick leave balances."),
    ("2021-04-27", "The iPhone app no longer shows an App Tracking Transparency prompt; we never tracked you across apps."),
    ("2021-06-15", "Team Chat: set an \"In office\" or \"Remote\" status for hybrid teams."),
    ("2021-07-06", "EU One-Stop Shop VAT report for cross-border sales."),
    ("2021-10-05", "Desktop app officially supports Windows 11."),
    ("2021-10-12", "The furlough pay type is archived following the end of the Job Retention Scheme. Historical claims remain available."),
    ("2021-12-14", "Security: no Northwind service was affected by Log4Shell (CVE-2021-44228). As a precaution, the on-premise sync agent no longer bundles the unused log4j library."),
    ("2022-01-11", "COVID-19 isolation absence type and a report for Statutory Sick Pay rebate claims."),
    ("2022-03-08", "Invoice and payment notifications can be posted to Microsoft Teams channels."),
    ("2022-06-14", "Internet Explorer 11 is no longer supported. Please use a current version of Edge, Chrome, Firefox or Safari."),
    ("2022-07-19", "Configurable standard hours for four-day weeks and compressed schedules."),
    ("2022-10-04", "Webhook delivery log shows every attempt and retry for the last 30 days."),
    ("2022-11-15", "Passkey sign-in (beta) on the web and in the iOS app."),
    ("2022-12-06", "Share to Mastodon on the client portal thank-you page."),
    ("2023-02-21", "The Twitter auto-post integration has been retired following changes to Twitter's API access."),
    ("2023-03-14", "Payroll funding accounts can be changed with expedited verification."),
    ("2023-04-18", "Passkeys are generally available on web, iOS and Android."),
    ("2023-06-13", "AI assistant (beta) in Team Chat: summarise a channel or ask questions about your invoices. Powered by GPT-4; your data is not used for model training."),
    ("2023-07-25", "Social sharing updated: Twitter is now called X, and Threads has been added."),
    ("2023-08-01", "Single sign-on settings now refer to Microsoft Entra ID (formerly Azure AD)."),
    ("2023-09-12", "Workspace admins can turn off the AI assistant or limit it to selected channels."),
    ("2023-11-14", "AI assistant answers now link to the invoices and messages they are based on."),
    ("2024-01-23", "Draft with AI: create an invoice draft from a chat thread or a timesheet."),
    ("2024-02-06", "Northwind for Apple Vision Pro."),
    ("2024-03-12", "AI-drafted invoices now require a human review before sending. This is on by default and can be changed by admins."),
    ("2024-05-28", "The AI assistant now uses GPT-4o. Workspaces in the EU can choose EU-hosted processing."),
    ("2024-06-25", "Microsoft 365 Copilot connector (preview): ask Copilot about invoices and payments."),
    ("2024-08-13", "New AI transparency page describing the models we use, how your data is handled, and our classification under the EU AI Act."),
    ("2024-09-17", "iOS 18 support, including tinted app icons and updated widgets."),
    ("2024-10-22", "Android 15: fixed edge-to-edge layout so the bottom bar is no longer hidden behind gesture navigation."),
    ("2024-11-19", "Invoices can be exported as ZUGFeRD PDFs and XRechnung files for German customers."),
    ("2024-12-10", "Bluesky added to the client portal share options."),
    ("2025-01-14", "Receive and read XRechnung e-invoices, in line with Germany's 2025 e-invoicing rules."),
    ("2025-02-11", "Admins can choose the model behind the AI assistant from a list of approved providers. DeepSeek models are not offered."),
    ("2025-03-18", "Agent mode (beta): the assistant can chase overdue invoices and reconcile payments, asking for approval before each action."),
    ("2025-04-15", "Official Northwind MCP server (beta) for connecting AI tools to invoices, contacts and reports. Tokens are read-only by default."),
    ("2025-05-20", "The audit log now marks actions taken by AI agents separately from actions taken by people."),
    ("2025-06-17", "MCP server: fixed token refresh after one hour. Write scopes now require admin consent."),
    ("2025-08-19", "The AI assistant now runs on GPT-5 for reports and long threads; answers are shorter by default."),
    ("2025-09-09", "Bulgaria euro changeover: dual BGN/EUR display on invoices and a conversion tool using the fixed rate of 1.95583 leva per euro."),
    ("2025-09-23", "iOS 26 design update with the new tab bar, plus improved contrast on invoice totals."),
    ("2025-10-07", "Windows 10 desktop app: supported until October 2026 on machines enrolled in Extended Security Updates."),
    ("2025-11-11", "Payroll: track qualified tips and qualified overtime for the new federal deductions, shown in year-end reporting."),
    ("2025-12-09", "Peppol access point for Belgian B2B e-invoicing."),
    ("2026-01-06", "Bulgaria changeover complete: EUR is now the default currency for Bulgarian workspaces. Historical BGN documents are preserved unchanged."),
    ("2026-02-17", "Making Tax Digital for Income Tax: send quarterly updates to HMRC as a sole trader or landlord."),
    ("2026-03-24", "Agent mode is generally available. Admins can limit agents to drafting only."),
    ("2026-04-21", "Pay gap report by job category to support the EU Pay Transparency Directive."),
    ("2026-06-09", "MCP server 1.0: per-tool permissions and a log of every tool call made by an AI client."),
    ("2026-07-14", "EU AI Act: downloadable technical documentation for every AI feature."),
    ("2026-08-18", "France e-invoicing: connect to an approved platform to receive invoices from September 2026."),
    ("2026-10-13", "Windows 10 is no longer supported by the desktop app. Please upgrade to Windows 11."),
]

FIXES = frags([
    "Fixed an issue where CSV exports shifted columns when an address contained a comma.",
    "The dashboard loads noticeably faster for accounts with many years of invoices.",
    "Fixed invoice totals being rounded per line instead of on the total for some tax settings.",
    "Password reset emails are now sent from a dedicated address to improve delivery.",
    "Webhook deliveries include a stable event ID so duplicates can be detected.",
    "Fixed a crash in the Android app when opening an invoice with no line items.",
    "Fixed chat search missing messages from archived channels.",
    "The 429 response now always includes a Retry-After header.",
    "Recurring invoices that fail to send are retried and the owner is notified.",
    "Improved receipt scanning on thermal paper.",
    "Fixed a layout problem where long line items were cut off between PDF pages.",
    "Partial payments no longer mark an invoice as fully paid.",
    "Credit notes can have their own numbering sequence.",
    "Fixed the bank feed reconnect loop for some banks.",
    "Payslip emails are sent again if the first delivery bounces.",
    "Fixed duplicate desktop notifications for direct messages.",
    "The customer import now accepts dates in day/month/year format.",
    "Merging duplicate contacts keeps all of their invoices.",
    "Timestamps in Team Chat now follow the workspace timezone after daylight saving changes.",
    "Fixed a login loop in the mobile apps after a password change.",
    "Guest invitation links no longer expire after 24 hours.",
    "Faster loading of the transactions report for date ranges longer than a year.",
    "Fixed exchange rates for foreign currency invoices not refreshing daily.",
    "Upload limit in Team Chat raised to 1 GB on the Business plan.",
    "Cursor pagination on /v2/customers no longer skips records created during a listing.",
    "Minor accessibility improvements to the invoice editor.",
    "Fixed late fees being applied to invoices paid before the due date.",
    "Sign-in alerts now show the approximate location and device.",
    "Reduced memory use of the desktop sync client.",
    "Fixed logos appearing blurry on PDF invoices.",
    "Improved error messages for failed spreadsheet imports.",
    "Fixed overtime preview for employees with a public holiday in the pay period.",
    "Restored archived channels can now be found in search.",
    F("Fixed Flash fallback charts not printing correctly.", "2018-01", "2020-12"),
    F("Fixed the Windows 7 installer failing on machines without .NET 4.7.", "2018-01", "2020-01"),
    F("Fixed Zoom meeting links not unfurling in chat.", "2020-05", "2022-06"),
    F("Fixed furlough hours not appearing in the CJRS claim report.", "2020-05", "2021-09"),
    F("Fixed the PPP report double-counting employer retirement contributions.", "2020-05", "2021-06"),
    F("Fixed Team Chat video calls dropping on slow home connections.", "2020-04", "2021-12"),
    F("The AI assistant no longer includes messages from private channels in summaries.", "2023-07"),
    F("Fixed the AI assistant button overlapping the Save button on small screens.", "2023-08"),
    F("Passkeys stored in password managers such as 1Password now work on Windows.", "2023-05"),
    F("AI-drafted invoices now use the tax rates from your settings instead of guessing.", "2024-02"),
    F("Fixed Face ID sign-in after upgrading to iOS 18.1.", "2024-11", "2025-08"),
    F("Fixed the receipt camera showing a black screen on some Android 15 devices.", "2024-11", "2025-09"),
    F("Fixed the Vision Pro chat window opening too far away.", "2024-07"),
    F("MCP server: clearer error when a token lacks the required scope.", "2025-05"),
    F("Agent mode respects per-customer reminder pauses.", "2025-04"),
    F("Fixed a freeze in the iOS app when returning from the background on iOS 26.", "2025-10"),
    F("Fixed BGN amounts being rounded before conversion to EUR on reopened invoices.", "2026-01"),
    "Fixed a rare case where an approved pay run stayed in 'Processing'.",
    "Payroll approval now prevents a second click from submitting the same run twice.",
    "Changes to employee bank details are now recorded in the audit log.",
    "Payslip emails now explain the password format for the attached PDF.",
    "Fixed recurring invoices being created as drafts when auto-send was on.",
    "Better delivery of invoice emails sent from custom domains, with new SPF and DKIM guidance.",
    "The year-end checklist now flags contractors missing from 1099 filings.",
    "Fixed holiday accrual for part-time employees.",
    "Invoice numbering can restart each year with a year prefix.",
    "The full account export now includes attachments and chat history.",
    "Fixed the desktop uploader getting stuck on 'Syncing'.",
    "The SAML setup page shows the exact audience value your identity provider expects.",
    "Backup codes for two-factor authentication now work in the mobile apps.",
    "Fixed duplicate charges when a card payment was retried by the bank.",
    "Proration adjustments on invoices now include a breakdown by user.",
    "New Excel-friendly CSV option so accented names display correctly.",
    "Custom roles: choose exactly which sections each role can see.",
    F("Zoom meetings can be started from the mobile app.", "2020-06", "2022-06"),
    F("Fixed the furlough claim report rounding to the nearest pound instead of the penny.", "2020-06", "2021-09"),
    F("Fixed the vaccination leave type reducing sick leave balances.", "2021-03", "2022-03"),
    F("Fixed Mastodon share links for servers with non-standard paths.", "2023-01", "2023-12"),
    F("Fixed the X share button opening a blank page.", "2023-08", "2024-12"),
    F("Copilot connector: answers now include links back to the invoice.", "2024-07"),
    F("Draft with AI no longer adds line items that are not in your product catalogue.", "2024-04"),
    F("Fixed the iOS 18 home screen widget showing stale numbers.", "2024-10", "2025-06"),
    F("Agent mode now waits for approval before reminding customers who are on a payment plan.", "2025-05"),
    F("MCP server: tool descriptions now list the scopes each tool needs.", "2025-07"),
    F("Fixed dual BGN/EUR amounts not appearing on credit notes.", "2025-10"),
    F("Fixed the tab bar hiding invoice totals on iOS 26.", "2025-10"),
    F("Fixed Android 16 notifications hiding the sender's name.", "2025-08"),
    F("Fixed a crash when opening the Vision Pro app without a network connection.", "2024-03"),
    F("Fixed the Face ID prompt appearing twice on iOS 17.", "2023-10", "2024-08"),
])
# Generic lines that may appear in more than one release.
FIXES_GENERIC = ["Various small bug fixes and performance improvements.", "Security and stability improvements.",
                 "Updated translations and minor text fixes.", "Updated third-party libraries."]


def release_dates(r):
    d = dt.date(2018, 1, 9)
    out = []
    while d <= dt.date(2026, 11, 24):
        out.append(d)
        d += dt.timedelta(days=r.randint(22, 32))
    return out


def generate_release_notes():
    r = random.Random(1)  # separate stream so ticket edits don't move the notes
    pending = [(D(ds), text) for ds, text in FEATURES]
    rows = []
    major_year, minor, patch = None, 0, 0
    for d in release_dates(r):
        feats = [p for p in pending if p[0] <= d][:2]
        is_patch = not feats and rows and r.random() < 0.5
        if d.year != major_year:
            major_year, minor, patch = d.year, 0, 0
        elif is_patch:
            patch += 1
        else:
            minor, patch = minor + 1, 0
        version = f"{5 + d.year - 2018}.{minor}.{patch}"
        sentences = []
        for p in feats:
            pending.remove(p)
            sentences.append(p[1])
        n_fix = r.choice([1, 1, 1, 2]) if not feats else r.choice([0, 0, 0, 1])
        for _ in range(n_fix):
            fresh = [f for f in FIXES if f.uses == 0 and f.ok(d)]
            if fresh and r.random() < 0.85:
                f = pick(fresh, d, r)
                sentences.append(f.text)
            else:
                g = r.choice([x for x in FIXES_GENERIC if x not in sentences])
                sentences.append(g)
        if not sentences:
            sentences.append(r.choice(FIXES_GENERIC))
        notes = " ".join(sentences)
        while n_sentences(notes) > 3:
            sentences.pop()
            notes = " ".join(sentences)
        rows.append({"version": version, "date": d.isoformat(), "notes": notes})
    assert not pending, pending
    return rows


# ---------------------------------------------------------------------------
def main():
    tickets = generate_tickets()
    with open(os.path.join(HERE, "support_tickets.jsonl"), "w", encoding="utf-8", newline="\n") as fh:
        for t in tickets:
            fh.write(json.dumps(t, ensure_ascii=False) + "\n")
    notes = generate_release_notes()
    with open(os.path.join(HERE, "release_notes.csv"), "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["version", "date", "notes"], lineterminator="\n")
        w.writeheader()
        w.writerows(notes)
    print(f"wrote {len(tickets)} tickets and {len(notes)} release notes")


if __name__ == "__main__":
    main()
